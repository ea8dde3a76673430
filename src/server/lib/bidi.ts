// Bidirectional formatting characters that open or close a scope: the embeddings (LRE, RLE),
// overrides (LRO, RLO) and their end (PDF), and the isolates (LRI, RLI, FSI, PDI). One left
// open in a name reorders whatever follows it on the line: "Support Team\u202Eevil replied"
// reads "Support Teamdeilper live". Pages isolate such text (html.ts: bdi); text that cannot
// be isolated (a plain-text email, a subject header, a page's <title>) goes without them. The
// marks (LRM, RLM, ALM) open nothing, stay inside the text they belong to, and are kept.
const SCOPED_BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;

/** The text without the bidirectional controls that could reorder what follows it. */
export const withoutBidiControls = (text: string): string => text.replace(SCOPED_BIDI_CONTROLS, "");
