/* tslint:disable */
/* eslint-disable */

/**
 * A loaded model.
 */
export class Model {
    private constructor();
    free(): void;
    [Symbol.dispose](): void;
    /**
     * [`Model::classify`] as a JSON string (the numbers round-trip exactly).
     */
    classifyJson(text: string, reasons?: number | null): string;
    /**
     * Classify one message: `{label, confidence, probabilities: {label: p},
     * reasons: [{term, weight}]}` with up to `reasons` reasons (default 5).
     */
    classify(text: string, reasons?: number | null): any;
    /**
     * Load a model file's bytes (checked: magic, version, lengths, checksum).
     */
    static load(bytes: Uint8Array | number[]): Model;
    /**
     * The model file's bytes.
     */
    save(): Uint8Array;
    /**
     * Add labelled messages to the model's counts and refit: the same model, byte for
     * byte, as `pitchsift-train --update` of a CSV with these rows (columns text,
     * label) in this order.
     */
    update(texts: string[], labels: string[]): void;
    /**
     * The labels, in the model's order.
     */
    readonly labels: string[];
}
