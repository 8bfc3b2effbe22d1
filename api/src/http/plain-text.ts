import { z } from 'zod';

/** C0 and C1 control characters and DEL: PostgreSQL cannot store NUL in text, and none belongs in a name or filter. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** A single-line text field: control characters (NUL, tab, newline, …) are a 422 field error, not a 500. */
export function plainText(message = 'Must not contain control characters (such as NUL, tab or newline).') {
  return z.string().refine((s) => !CONTROL.test(s), { message, params: { code: 'control_characters' } });
}

/** True when the text holds a control character. */
export const hasControlCharacters = (s: string): boolean => CONTROL.test(s);
