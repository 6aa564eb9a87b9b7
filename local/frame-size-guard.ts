/**
 * Watches the raw bytes a WebSocket client sends and reports the first data frame whose payload is
 * larger than API Gateway's 32 KB frame limit. The `ws` package only limits whole messages
 * (`maxPayload`, used for the 128 KB message limit), so this reads just the frame headers (RFC 6455
 * section 5.2) alongside it, without buffering payloads.
 */
export class FrameSizeGuard {
  private header = Buffer.alloc(14);
  private headerLength = 0;
  private payloadRemaining = 0;

  constructor(private readonly maxFrameBytes: number) {}

  /** Feeds bytes as they arrive; returns false once a frame over the limit has been announced. */
  feed(chunk: Buffer): boolean {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.payloadRemaining > 0) {
        const skip = Math.min(this.payloadRemaining, chunk.length - offset);
        this.payloadRemaining -= skip;
        offset += skip;
        continue;
      }
      this.header[this.headerLength++] = chunk[offset++];
      const needed = this.headerBytesNeeded();
      if (needed === undefined || this.headerLength < needed) continue;
      const { opcode, payloadLength } = this.parseHeader();
      this.headerLength = 0;
      // Control frames (opcode >= 8) are at most 125 bytes by protocol; data frames are limited here.
      if (opcode < 8 && payloadLength > this.maxFrameBytes) return false;
      this.payloadRemaining = payloadLength;
    }
    return true;
  }

  /** Total header length once enough of it is known, else undefined. */
  private headerBytesNeeded(): number | undefined {
    if (this.headerLength < 2) return undefined;
    const masked = (this.header[1] & 0x80) !== 0;
    const length7 = this.header[1] & 0x7f;
    const extended = length7 === 126 ? 2 : length7 === 127 ? 8 : 0;
    return 2 + extended + (masked ? 4 : 0);
  }

  private parseHeader(): { opcode: number; payloadLength: number } {
    const opcode = this.header[0] & 0x0f;
    const length7 = this.header[1] & 0x7f;
    let payloadLength = length7;
    if (length7 === 126) payloadLength = this.header.readUInt16BE(2);
    else if (length7 === 127) payloadLength = Number(this.header.readBigUInt64BE(2));
    return { opcode, payloadLength };
  }
}
