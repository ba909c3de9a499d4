/** A list line: the first line of a text, cut to 120 characters. */
export function summarize(text: string): string {
  const line = text.trimStart().split('\n', 1)[0] ?? '';
  return line.length > 120 ? `${line.slice(0, 119)}…` : line;
}

/**
 * The new turn of a conversation: the messages after the last one the model produced. Earlier
 * turns were recorded by earlier calls, so recording only this keeps the ledger linear in the
 * conversation's length. A trailing model message (an assistant prefill) is kept with its turn.
 */
export function trailingTurn<T>(messages: readonly T[], byModel: (m: T) => boolean): T[] {
  let i = messages.length - 1;
  while (i >= 0 && byModel(messages[i] as T)) i--;
  while (i >= 0 && !byModel(messages[i] as T)) i--;
  return messages.slice(i + 1);
}
