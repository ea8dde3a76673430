// WCAG 2 contrast, to keep text on the brand colour readable whatever colour an admin picks.

function channel(c: number): number {
  const s = c / 255;
  return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
}

export function parseHex(hex: string): [number, number, number] | null {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!m) return null;
  const n = Number.parseInt(m[1] as string, 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

const toHex = (rgb: [number, number, number]) =>
  `#${rgb.map((c) => Math.round(c).toString(16).padStart(2, "0")).join("")}`;

export function luminance(rgb: [number, number, number]): number {
  return 0.2126 * channel(rgb[0]) + 0.7152 * channel(rgb[1]) + 0.0722 * channel(rgb[2]);
}

export function contrastRatio(a: string, b: string): number {
  const la = luminance(parseHex(a) ?? [0, 0, 0]);
  const lb = luminance(parseHex(b) ?? [0, 0, 0]);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

const WHITE = "#ffffff";
const INK = "#111111";

/**
 * A background close to the brand colour and a text colour on it with at least 4.5:1 contrast.
 * White or near-black text is chosen first; a mid-tone that suits neither is darkened until white
 * text reads well.
 */
export function readablePair(brand: string): { background: string; text: string } {
  const rgb = parseHex(brand);
  if (!rgb) return { background: "#2563eb", text: WHITE };
  const bg = toHex(rgb);
  if (contrastRatio(bg, WHITE) >= 4.5) return { background: bg, text: WHITE };
  if (contrastRatio(bg, INK) >= 4.5) return { background: bg, text: INK };
  let shade: [number, number, number] = [...rgb];
  for (let i = 0; i < 40 && contrastRatio(toHex(shade), WHITE) < 4.5; i++) {
    shade = [shade[0] * 0.95, shade[1] * 0.95, shade[2] * 0.95];
  }
  return { background: toHex(shade), text: WHITE };
}

/** A brand colour used as text (links, headings) on a page background, darkened or lightened to 4.5:1. */
export function readableOn(brand: string, page: string): string {
  const rgb = parseHex(brand);
  if (!rgb) return brand;
  const pageIsDark = luminance(parseHex(page) ?? [255, 255, 255]) < 0.2;
  let c: [number, number, number] = [...rgb];
  for (let i = 0; i < 60 && contrastRatio(toHex(c), page) < 4.5; i++) {
    c = pageIsDark
      ? [c[0] + (255 - c[0]) * 0.08, c[1] + (255 - c[1]) * 0.08, c[2] + (255 - c[2]) * 0.08]
      : [c[0] * 0.93, c[1] * 0.93, c[2] * 0.93];
  }
  return toHex(c);
}
