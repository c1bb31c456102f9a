//! Properties of the stratified fold assignment (pitchsift::eval::cv::stratified_folds).

use pitchsift::eval::cv::stratified_folds;
use proptest::prelude::*;

proptest! {
    #[test]
    fn every_row_once_balanced_and_reproducible(
        classes in prop::collection::vec(0u32..5, 1..300),
        k in 2usize..12,
        seed in any::<u64>(),
    ) {
        let folds = stratified_folds(&classes, k, seed);
        // Every row in exactly one fold (one entry per row, in range).
        prop_assert_eq!(folds.len(), classes.len());
        prop_assert!(folds.iter().all(|&f| (f as usize) < k));
        // Per class counts differ by at most one between folds.
        for c in 0..5u32 {
            let n = classes.iter().filter(|&&x| x == c).count();
            for f in 0..k as u32 {
                let m = (0..classes.len()).filter(|&i| classes[i] == c && folds[i] == f).count();
                prop_assert!(m == n / k || m == n.div_ceil(k), "class {} fold {}: {} of {}", c, f, m, n);
            }
        }
        // Fold sizes differ by at most one.
        let sizes: Vec<usize> = (0..k as u32).map(|f| folds.iter().filter(|&&x| x == f).count()).collect();
        prop_assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1);
        // Same seed, same folds.
        prop_assert_eq!(&folds, &stratified_folds(&classes, k, seed));
    }
}
