//! Bulk items from a block: each kept document of a `LogBlock` (src/pipeline/records.ts) copied after its
//! action line, into an output body. This is `writeBlock` of src/sinks/elasticsearch/encode.ts, which the
//! file output and the Elasticsearch item sets share, without a JavaScript call per document.
//!
//! A call writes documents while their timestamps fall in the day of the action line it was given; it stops at
//! the first kept document of another day (JavaScript then names that day's index and calls again), when the
//! output or the offsets have no room left (JavaScript grows them and calls again), or at the end.

/// `docs` holds 4 numbers per document (records.ts `DOC_STRIDE`): start, end, timestamp, size.
pub const DOC_STRIDE: usize = 4;
const DOC_START: usize = 0;
const DOC_END: usize = 1;
const DOC_TIMESTAMP: usize = 2;

/// Where a call starts and, when it returns, where the next one goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// The next document of the block.
    pub doc: usize,
    /// The next byte of the output.
    pub at: usize,
    /// The next item of `offsets`.
    pub item: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Every document up to `to` is written (or dropped).
    Done = 0,
    /// `cursor.doc` is a kept document whose timestamp is outside [day_lo, day_hi).
    Day = 1,
    /// `cursor.doc` does not fit in the output, or its offsets do not.
    Room = 2,
}

/// The action line and the timestamps it is right for.
pub struct Head<'a> {
    pub bytes: &'a [u8],
    pub day_lo: f64,
    pub day_hi: f64,
}

/// Copies documents `cursor.doc..to` of the block (skipping those `dropped` marks with 1), each after
/// `head.bytes`, into `dst` from `cursor.at`. With `offsets`, item `i` records its start at `2i`, its
/// document's start at `2i + 1`, and the end of the last item written is at `2i + 2`. A document whose range
/// lies outside `src` (or ends before it starts) is an error: nothing of it is written.
#[allow(clippy::too_many_arguments)]
pub fn write_items(
    src: &[u8],
    docs: &[f64],
    dropped: Option<&[u8]>,
    to: usize,
    head: &Head,
    dst: &mut [u8],
    mut offsets: Option<&mut [f64]>,
    cursor: &mut Cursor,
) -> Result<Stop, String> {
    let to = to.min(docs.len() / DOC_STRIDE);
    let h = head.bytes;
    while cursor.doc < to {
        let k = cursor.doc;
        if dropped.is_some_and(|d| d.get(k) == Some(&1)) {
            cursor.doc += 1;
            continue;
        }
        let d = &docs[k * DOC_STRIDE..(k + 1) * DOC_STRIDE];
        let ts = d[DOC_TIMESTAMP];
        if !(ts >= head.day_lo && ts < head.day_hi) {
            return Ok(Stop::Day);
        }
        let (start, end) = (d[DOC_START], d[DOC_END]);
        if !(start >= 0.0 && end >= start && end <= src.len() as f64) {
            return Err(format!("writeItems: document {k} spans [{start}, {end}) of a {}-byte block", src.len()));
        }
        let doc = &src[start as usize..end as usize];
        let at = cursor.at;
        let next = at + h.len() + doc.len();
        if next > dst.len() {
            return Ok(Stop::Room);
        }
        if let Some(o) = offsets.as_deref_mut() {
            let i = 2 * cursor.item;
            if i + 2 >= o.len() {
                return Ok(Stop::Room);
            }
            o[i] = at as f64;
            o[i + 1] = (at + h.len()) as f64;
            o[i + 2] = next as f64;
        }
        dst[at..at + h.len()].copy_from_slice(h);
        dst[at + h.len()..next].copy_from_slice(doc);
        cursor.at = next;
        cursor.item += 1;
        cursor.doc += 1;
    }
    Ok(Stop::Done)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(docs: &[(&str, f64)]) -> (Vec<u8>, Vec<f64>) {
        let mut src = Vec::new();
        let mut meta = Vec::new();
        for (doc, ts) in docs {
            let start = src.len() as f64;
            src.extend_from_slice(doc.as_bytes());
            meta.extend_from_slice(&[start, src.len() as f64, *ts, doc.len() as f64]);
        }
        (src, meta)
    }

    const DAY: f64 = 86_400_000.0;

    #[test]
    fn writes_items_of_one_day_and_stops_at_the_next() {
        let (src, docs) = block(&[("{\"a\":1}\n", 10.0), ("{\"b\":2}\n", 20.0), ("{\"c\":3}\n", DAY + 5.0)]);
        let head = Head { bytes: b"H\n", day_lo: 0.0, day_hi: DAY };
        let mut dst = vec![0u8; 64];
        let mut off = vec![0.0; 16];
        let mut c = Cursor { doc: 0, at: 3, item: 1 };
        let stop = write_items(&src, &docs, None, 3, &head, &mut dst, Some(&mut off), &mut c).unwrap();
        assert_eq!(stop, Stop::Day);
        assert_eq!(c, Cursor { doc: 2, at: 3 + 20, item: 3 });
        assert_eq!(&dst[3..23], b"H\n{\"a\":1}\nH\n{\"b\":2}\n");
        assert_eq!(&off[2..7], &[3.0, 5.0, 13.0, 15.0, 23.0]);
        let next = Head { bytes: b"I\n", day_lo: DAY, day_hi: 2.0 * DAY };
        assert_eq!(write_items(&src, &docs, None, 3, &next, &mut dst, Some(&mut off), &mut c).unwrap(), Stop::Done);
        assert_eq!(&dst[23..33], b"I\n{\"c\":3}\n");
        assert_eq!(off[8], 33.0);
    }

    #[test]
    fn skips_dropped_documents_whatever_their_day() {
        let (src, docs) = block(&[("x\n", f64::NAN), ("y\n", 1.0), ("z\n", 5.0 * DAY)]);
        let head = Head { bytes: b"", day_lo: 0.0, day_hi: DAY };
        let mut dst = vec![0u8; 8];
        let mut c = Cursor { doc: 0, at: 0, item: 0 };
        let stop = write_items(&src, &docs, Some(&[1, 0, 1]), 3, &head, &mut dst, None, &mut c).unwrap();
        assert_eq!((stop, c.doc, &dst[..c.at]), (Stop::Done, 3, &b"y\n"[..]));
    }

    #[test]
    fn stops_for_room_before_writing_anything_of_the_item() {
        let (src, docs) = block(&[("aaaa\n", 1.0), ("bbbb\n", 2.0)]);
        let head = Head { bytes: b"H\n", day_lo: f64::NEG_INFINITY, day_hi: f64::INFINITY };
        let mut dst = vec![b'.'; 10];
        let mut c = Cursor { doc: 0, at: 0, item: 0 };
        assert_eq!(write_items(&src, &docs, None, 2, &head, &mut dst, None, &mut c).unwrap(), Stop::Room);
        assert_eq!((c.doc, &dst[..]), (1, &b"H\naaaa\n..."[..]));
        // Room in the output but not in the offsets.
        let mut big = vec![0u8; 32];
        let mut off = vec![0.0; 3];
        let mut c = Cursor { doc: 0, at: 0, item: 0 };
        assert_eq!(write_items(&src, &docs, None, 2, &head, &mut big, Some(&mut off), &mut c).unwrap(), Stop::Room);
        assert_eq!((c.doc, c.item), (1, 1));
    }

    #[test]
    fn refuses_ranges_outside_the_block() {
        let docs = [0.0, 9.0, 1.0, 9.0];
        let head = Head { bytes: b"", day_lo: 0.0, day_hi: DAY };
        let mut c = Cursor { doc: 0, at: 0, item: 0 };
        assert!(write_items(b"short", &docs, None, 1, &head, &mut [0u8; 16], None, &mut c).is_err());
        assert_eq!(c.at, 0);
    }
}
