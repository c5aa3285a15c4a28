/**
 * The share of the history limit (`maxHistoryEvents`) past which `ctx.continueAsNewSuggested` is true — where the
 * runtime also starts warning that a history is close to its limit.
 */
export const CONTINUE_AS_NEW_SUGGESTED_AT = 0.8;
