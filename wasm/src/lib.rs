//! pitchsift in WebAssembly, through wasm-bindgen: four calls on the library's stable
//! entry points, nothing else.
//!
//! - `Model.load(bytes)`: [`pitchsift::model_file::from_bytes`] (the whole model, counts
//!   included, so it can be updated and saved);
//! - `model.classify(text, k, against)` -> `{label, confidence, probabilities, reasons}`:
//!   [`pitchsift::explain::explain_against`] (the prediction is exactly
//!   `pitchsift-predict`'s, the reasons its `--explain k [--explain-against against]`);
//! - `model.update(texts, labels)`: [`pitchsift::grow::update_docs`], the exact update
//!   of the counts that `pitchsift-train --update` makes from a CSV of these rows;
//! - `model.save()` -> bytes: [`pitchsift::model_file::to_bytes`].
//!
//! The library is built without its `parallel`, `fs`, `cli` and `linfa` features: one
//! thread, no file writing.

use pitchsift::explain::{explain, explain_against, label_id, Reason};
use pitchsift::model_file::{self, Load};
use pitchsift::nb::classifier::Classifier;
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// A message that goes through every tokeniser path (URL, e-mail, money, number,
/// handle, emoji, placeholder), classified once at load.
const WARM_UP: &str =
    "Hi @you, 15 min? $50 at https://x.example/a or a@b.example, +1 555 0100 🙂 [name]";

/// Reasons returned by `classify` when the caller does not say how many.
const DEFAULT_REASONS: u32 = 5;

/// A loaded model.
#[wasm_bindgen]
pub struct Model {
    clf: Classifier,
}

/// What `classify` returns (as a JavaScript object).
#[derive(Serialize)]
struct Answer<'a> {
    label: &'a str,
    confidence: f64,
    /// Label -> probability, in the model's label order.
    probabilities: serde_json::Map<String, serde_json::Value>,
    reasons: Vec<Reason>,
}

fn err(e: pitchsift::Error) -> JsError {
    JsError::new(&e.to_string())
}

#[wasm_bindgen]
impl Model {
    /// Load a model file's bytes (checked: magic, version, lengths, checksum).
    pub fn load(bytes: &[u8]) -> Result<Model, JsError> {
        let clf = model_file::from_bytes(bytes, "<model bytes>", Load::Full).map_err(err)?;
        // The vocabulary index and the tokeniser's patterns are built on first use:
        // build them now, so the first message does not pay for them.
        explain(&mut clf.scorer(), WARM_UP, 1);
        Ok(Model { clf })
    }

    /// The labels, in the model's order.
    #[wasm_bindgen(getter)]
    pub fn labels(&self) -> Vec<String> {
        self.clf.labels.clone()
    }

    /// Classify one message: `{label, confidence, probabilities: {label: p},
    /// reasons: [{term, weight}]}` with up to `reasons` reasons (default 5), against the
    /// label `against` (a message predicted `against`, or without it: against the
    /// runner-up; a label the model lacks is an error).
    pub fn classify(
        &self,
        text: &str,
        reasons: Option<u32>,
        against: Option<String>,
    ) -> Result<JsValue, JsError> {
        let json = self.classify_json(text, reasons, against)?;
        js_sys::JSON::parse(&json).map_err(|_| JsError::new("classify: bad JSON"))
    }

    /// [`Model::classify`] as a JSON string (the numbers round-trip exactly).
    #[wasm_bindgen(js_name = classifyJson)]
    pub fn classify_json(
        &self,
        text: &str,
        reasons: Option<u32>,
        against: Option<String>,
    ) -> Result<String, JsError> {
        let k = reasons.unwrap_or(DEFAULT_REASONS) as usize;
        let against = against
            .map(|l| label_id(&self.clf, &l, "against"))
            .transpose()
            .map_err(|e| JsError::new(&e))?;
        let (p, why) = explain_against(&mut self.clf.scorer(), text, k, against);
        let probabilities = self
            .clf
            .labels
            .iter()
            .zip(&p.probabilities)
            .map(|(l, &v)| (l.clone(), serde_json::Value::from(v)))
            .collect();
        let answer = Answer {
            label: &self.clf.labels[p.class],
            confidence: p.confidence(),
            probabilities,
            reasons: why,
        };
        Ok(serde_json::to_string(&answer).expect("answers serialise"))
    }

    /// Add labelled messages to the model's counts and refit: the same model, byte for
    /// byte, as `pitchsift-train --update` of a CSV with these rows (columns text,
    /// label) in this order.
    pub fn update(&mut self, texts: Vec<String>, labels: Vec<String>) -> Result<(), JsError> {
        if texts.len() != labels.len() {
            return Err(JsError::new(&format!(
                "update: {} texts but {} labels",
                texts.len(),
                labels.len()
            )));
        }
        let docs: Vec<(&str, &str)> = texts
            .iter()
            .zip(&labels)
            .map(|(t, l)| (t.as_str(), l.as_str()))
            .collect();
        // The update consumes the model; on error the model is left as it was.
        let grown = pitchsift::grow::update_docs(self.clf.clone(), &docs).map_err(err)?;
        drop(grown.scorer());
        self.clf = grown;
        Ok(())
    }

    /// The model file's bytes.
    pub fn save(&self) -> Result<Vec<u8>, JsError> {
        model_file::to_bytes(&self.clf).map_err(err)
    }
}
