// Counts the video frames in a WebM file as MediaRecorder writes it (Chromium: a Segment and
// Clusters of unknown size, frames in SimpleBlocks or BlockGroups), for the recording
// benchmark: how many frames the encoder actually produced (it drops frames when the CPU
// cannot keep up). A flat walk over the EBML elements: the masters that hold frames are
// stepped into, every other element is skipped by its size. It checks nothing else and reads
// no file itself. Times are in ms: MediaRecorder keeps the default TimecodeScale (1 ms), and
// its canvas recordings have one track, the video.

const SEGMENT = 0x18538067;
const CLUSTER = 0x1f43b675;
const BLOCK_GROUP = 0xa0;
const BLOCK = 0xa1;
const SIMPLE_BLOCK = 0xa3;
const CLUSTER_TIMECODE = 0xe7;

/** An EBML variable-length integer at `pos`: { value, len, unknown (all value bits set) }. */
function vint(buf, pos, keepMarker) {
  const first = buf[pos];
  let len = 1;
  let mask = 0x80;
  while (len <= 8 && !(first & mask)) { len++; mask >>= 1; }
  if (len > 8 || pos + len > buf.length) throw new Error(`webm: bad variable-length integer at byte ${pos}`);
  let value = keepMarker ? first : first & (mask - 1);
  let unknown = (first & (mask - 1)) === mask - 1;
  for (let i = 1; i < len; i++) {
    value = value * 256 + buf[pos + i];
    if (buf[pos + i] !== 0xff) unknown = false;
  }
  return { value, len, unknown: !keepMarker && unknown };
}

/** Frames of `buf` (a Buffer): { frames, firstMs, lastMs } (block times, ms, of the first and last frame). */
export function webmFrames(buf) {
  let pos = 0;
  let clusterTime = 0;
  let frames = 0;
  let firstMs = null;
  let lastMs = null;
  while (pos < buf.length) {
    const id = vint(buf, pos, true);
    pos += id.len;
    const size = vint(buf, pos, false);
    pos += size.len;
    if (id.value === SEGMENT || id.value === CLUSTER || id.value === BLOCK_GROUP) continue;
    if (size.unknown) throw new Error(`webm: element 0x${id.value.toString(16)} of unknown size at byte ${pos}`);
    if (id.value === CLUSTER_TIMECODE) {
      clusterTime = 0;
      for (let i = 0; i < size.value; i++) clusterTime = clusterTime * 256 + buf[pos + i];
    } else if (id.value === SIMPLE_BLOCK || id.value === BLOCK) {
      const track = vint(buf, pos, false);
      const t = clusterTime + buf.readInt16BE(pos + track.len);
      frames++;
      firstMs ??= t;
      lastMs = t;
    }
    pos += size.value;
  }
  return { frames, firstMs, lastMs };
}
