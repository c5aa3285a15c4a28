/**
 * A BSON document as the engine holds it. Field values are `unknown` until checked: commands arrive from the network
 * and stored documents hold user data, so nothing about their shape is assumed (bson's own `Document` types values as
 * `any`, which would hide exactly those checks).
 */
export type Document = Record<string, unknown>;
