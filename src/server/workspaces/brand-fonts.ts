// The portal's font: a short list of system font stacks (nothing is downloaded, so no font file
// leaves another server's hands and pages draw at once). portal.css reads it as --font.

export const FONTS = {
  system: { label: "System UI (default)", stack: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif' },
  humanist: {
    label: "Humanist sans",
    stack: 'Seravek, "Gill Sans Nova", Ubuntu, Calibri, "DejaVu Sans", source-sans-pro, sans-serif',
  },
  transitional: {
    label: "Transitional serif",
    stack: 'Charter, "Bitstream Charter", "Sitka Text", Cambria, Georgia, serif',
  },
  rounded: {
    label: "Rounded",
    stack:
      'ui-rounded, "Hiragino Maru Gothic ProN", Quicksand, Comfortaa, Manjari, "Arial Rounded MT", "Arial Rounded MT Bold", Calibri, source-sans-pro, sans-serif',
  },
  geometric: {
    label: "Geometric sans",
    stack: 'Avenir, Montserrat, Corbel, "URW Gothic", source-sans-pro, sans-serif',
  },
} as const;

export type FontKey = keyof typeof FONTS;
export const FONT_KEYS = Object.keys(FONTS) as FontKey[];
export const isFontKey = (v: unknown): v is FontKey => typeof v === "string" && Object.hasOwn(FONTS, v);

/** The CSS font stack of a workspace's font (the system's when unset or unknown). */
export const fontStackOf = (font: string | null | undefined): string =>
  isFontKey(font) ? FONTS[font].stack : FONTS.system.stack;
