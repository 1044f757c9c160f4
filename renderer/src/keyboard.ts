/**
 * Korean, Japanese and Chinese are typed through an input method, where Enter (and digits, in
 * some IMEs) confirm a conversion. No shortcut may fire while a composition is in progress:
 * `isComposing` is the standard flag; keyCode 229 is what Chromium and Safari report for the
 * keydown that ends a composition.
 */
export function isComposing(event: { nativeEvent?: KeyboardEvent; isComposing?: boolean; keyCode?: number }): boolean {
  const native = event.nativeEvent ?? (event as KeyboardEvent);
  return Boolean(native.isComposing) || native.keyCode === 229;
}

/** Whether a key press belongs to a text field (single-key shortcuts must leave it alone). */
export function isTypingTarget(target: EventTarget | null): boolean {
  return target instanceof HTMLTextAreaElement || target instanceof HTMLInputElement || target instanceof HTMLSelectElement || (target instanceof HTMLElement && target.isContentEditable);
}
