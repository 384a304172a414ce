//! A small incremental reader of server-sent events (the `text/event-stream` format,
//! <https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation>)
//! for the widget benchmark: bytes go in as they arrive, whole events come out. It keeps only
//! the unfinished line and the event being read, so an idle stream costs nothing.

/// Longest line accepted; the widget's events are a few hundred bytes.
const MAX_LINE: usize = 64 * 1024;

/// One dispatched event.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Event {
    /// `event:`; empty for the default `message` type.
    pub name: String,
    /// `id:`.
    pub id: String,
    /// The `data:` lines, joined by `\n`.
    pub data: String,
}

/// The state of one stream.
#[derive(Debug, Default)]
pub struct Parser {
    line: Vec<u8>,
    event: Event,
    has_data: bool,
}

/// A line longer than [`MAX_LINE`]: the stream is not what the benchmark expects.
#[derive(Debug, PartialEq, Eq)]
pub struct LineTooLong;

impl Parser {
    /// Reads `bytes`, handing each completed event to `on_event`.
    ///
    /// # Errors
    /// [`LineTooLong`] when a line grows past [`MAX_LINE`].
    pub fn feed(
        &mut self,
        bytes: &[u8],
        mut on_event: impl FnMut(Event),
    ) -> Result<(), LineTooLong> {
        let mut rest = bytes;
        while let Some(end) = rest.iter().position(|&b| b == b'\n') {
            let (head, tail) = rest.split_at(end);
            rest = &tail[1..];
            if self.line.is_empty() {
                self.line_done(head, &mut on_event);
            } else {
                self.line.extend_from_slice(head);
                let line = std::mem::take(&mut self.line);
                self.line_done(&line, &mut on_event);
            }
        }
        if self.line.len() + rest.len() > MAX_LINE {
            return Err(LineTooLong);
        }
        self.line.extend_from_slice(rest);
        Ok(())
    }

    fn line_done(&mut self, line: &[u8], on_event: &mut impl FnMut(Event)) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            if self.has_data {
                on_event(std::mem::take(&mut self.event));
            } else {
                self.event = Event::default();
            }
            self.has_data = false;
            return;
        }
        if line.starts_with(b":") {
            return; // a comment: the keep-alive
        }
        let (field, value) = match line.iter().position(|&b| b == b':') {
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &b""[..]),
        };
        let value = String::from_utf8_lossy(value);
        match field {
            b"event" => self.event.name = value.into_owned(),
            b"id" => self.event.id = value.into_owned(),
            b"data" => {
                if self.has_data {
                    self.event.data.push('\n');
                }
                self.event.data.push_str(&value);
                self.has_data = true;
            }
            _ => {} // `retry` and unknown fields: nothing the benchmark needs
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(chunks: &[&[u8]]) -> Vec<Event> {
        let mut parser = Parser::default();
        let mut events = Vec::new();
        for chunk in chunks {
            parser
                .feed(chunk, |event| events.push(event))
                .expect("feed");
        }
        events
    }

    #[test]
    fn events_split_anywhere_come_out_whole() {
        let stream = b": keep-alive\n\nevent: message\nid: 42\ndata: {\"id\":42}\n\nevent:seen\r\ndata:{}\r\n\r\n";
        let whole = read(&[stream]);
        assert_eq!(
            whole,
            vec![
                Event {
                    name: "message".into(),
                    id: "42".into(),
                    data: "{\"id\":42}".into()
                },
                Event {
                    name: "seen".into(),
                    id: String::new(),
                    data: "{}".into()
                },
            ]
        );
        for split in 0..stream.len() {
            let (a, b) = stream.split_at(split);
            assert_eq!(read(&[a, b]), whole, "split at {split}");
        }
        let bytes: Vec<&[u8]> = stream.chunks(1).collect();
        assert_eq!(read(&bytes), whole);
    }

    #[test]
    fn data_lines_join_and_events_without_data_are_dropped() {
        let events = read(&[b"event: a\nid: 1\n\ndata: x\ndata: y\n\n"]);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].data, "x\ny");
        assert_eq!(events[0].name, "");
    }

    #[test]
    fn an_endless_line_is_refused() {
        let mut parser = Parser::default();
        let chunk = vec![b'a'; MAX_LINE];
        assert_eq!(parser.feed(&chunk, |_| {}), Ok(()));
        assert_eq!(parser.feed(b"a", |_| {}), Err(LineTooLong));
    }
}
