// An engine export batch as kafkajs messages: views into the batch, nothing copied.
// Layout (crates/collector/src/export): for each message, a big-endian u16 key length, the key,
// a big-endian u32 value length, the value.

export interface BatchMessage {
  key: Buffer | null;
  value: Buffer;
}

export function batchMessages(batch: Buffer): BatchMessage[] {
  const messages: BatchMessage[] = [];
  let at = 0;
  while (at + 6 <= batch.length) {
    const keyLength = batch.readUInt16BE(at);
    const key = keyLength === 0 ? null : batch.subarray(at + 2, at + 2 + keyLength);
    at += 2 + keyLength;
    const valueLength = batch.readUInt32BE(at);
    messages.push({ key, value: batch.subarray(at + 4, at + 4 + valueLength) });
    at += 4 + valueLength;
  }
  return messages;
}
