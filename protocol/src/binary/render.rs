//! Readable XML-like rendering of nodes for logs: `<iq id="1" type="get"><ping/></iq>`.
//!
//! Byte content shows its length and a hex prefix, long strings are cut, so logging a node that
//! carries a media blob never dumps megabytes.

use std::fmt::{self, Write as _};

use super::node::{Content, Node};

/// Bytes of byte content shown as hex.
const HEX_PREFIX: usize = 16;
/// Characters of string content or attribute values shown before cutting.
const STR_PREFIX: usize = 256;

/// Renders `node` on one line.
pub fn render(node: &Node) -> String {
    node.to_string()
}

/// Renders `node` with one element per line, children indented by two spaces.
pub fn render_pretty(node: &Node) -> String {
    let mut out = String::new();
    let _ = write_node(&mut out, node, Some(0));
    out
}

/// Writes the one-line rendering (used by `Display for Node`).
pub(crate) fn write_compact(f: &mut impl fmt::Write, node: &Node) -> fmt::Result {
    write_node(f, node, None)
}

fn write_node(f: &mut impl fmt::Write, node: &Node, indent: Option<usize>) -> fmt::Result {
    if let Some(depth) = indent {
        for _ in 0..depth {
            f.write_str("  ")?;
        }
    }
    f.write_char('<')?;
    write_escaped(f, &node.tag)?;
    for (k, v) in node.attrs.iter() {
        f.write_char(' ')?;
        write_escaped(f, k)?;
        f.write_str("=\"")?;
        write_escaped(f, &v.as_str())?;
        f.write_char('"')?;
    }
    match &node.content {
        Content::None => return f.write_str("/>"),
        Content::Nodes(children) if indent.is_some() && !children.is_empty() => {
            f.write_str(">\n")?;
            let depth = indent.unwrap_or(0);
            for child in children {
                write_node(f, child, Some(depth + 1))?;
                f.write_char('\n')?;
            }
            for _ in 0..depth {
                f.write_str("  ")?;
            }
        }
        Content::Nodes(children) => {
            f.write_char('>')?;
            for child in children {
                write_node(f, child, None)?;
            }
        }
        Content::Bytes(b) => write!(f, ">{}", BytesPreview(b))?,
        Content::String(s) => {
            f.write_char('>')?;
            write_escaped(f, s)?;
        }
    }
    f.write_str("</")?;
    write_escaped(f, &node.tag)?;
    f.write_char('>')
}

/// Escapes XML specials and cuts after [`STR_PREFIX`] characters.
fn write_escaped(f: &mut impl fmt::Write, s: &str) -> fmt::Result {
    for (i, c) in s.chars().enumerate() {
        if i == STR_PREFIX {
            return write!(f, "…({} bytes)", s.len());
        }
        match c {
            '<' => f.write_str("&lt;")?,
            '>' => f.write_str("&gt;")?,
            '&' => f.write_str("&amp;")?,
            '"' => f.write_str("&quot;")?,
            c if c.is_control() => write!(f, "\\u{{{:x}}}", u32::from(c))?,
            c => f.write_char(c)?,
        }
    }
    Ok(())
}

/// Formats bytes as `[N bytes: <hex prefix>…]`.
pub struct BytesPreview<'a>(pub &'a [u8]);

impl fmt::Display for BytesPreview<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = self.0.get(..HEX_PREFIX).unwrap_or(self.0);
        write!(f, "[{} bytes", self.0.len())?;
        if !shown.is_empty() {
            f.write_str(": ")?;
            for b in shown {
                write!(f, "{b:02x}")?;
            }
            if shown.len() < self.0.len() {
                f.write_char('…')?;
            }
        }
        f.write_char(']')
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binary::Jid;

    fn sample() -> Node {
        Node::build("message")
            .attr("to", Jid::pn("15551234567"))
            .attr("q", "a\"<b>&")
            .children([
                Node::build("enc").bytes(vec![0xab; 65536]).finish(),
                Node::build("body").string("hi").finish(),
                Node::new("ping"),
                Node::build("list").children([]).finish(),
            ])
            .finish()
    }

    #[test]
    fn compact() {
        assert_eq!(
            render(&sample()),
            "<message to=\"15551234567@s.whatsapp.net\" q=\"a&quot;&lt;b&gt;&amp;\">\
             <enc>[65536 bytes: abababababababababababababababab…]</enc><body>hi</body><ping/>\
             <list></list></message>"
        );
    }

    #[test]
    fn pretty() {
        let s = render_pretty(&sample());
        assert_eq!(s.lines().count(), 6, "{s}");
        assert!(s.contains("\n  <ping/>\n"), "{s}");
        assert_eq!(format!("{:#?}", sample()), s);
    }

    #[test]
    fn long_strings_and_short_bytes() {
        let n = Node::build("x").string("y".repeat(10_000)).finish();
        let s = n.to_string();
        assert!(s.len() < 400, "{s}");
        assert!(s.contains("…(10000 bytes)"));
        assert_eq!(BytesPreview(&[1, 2]).to_string(), "[2 bytes: 0102]");
        assert_eq!(BytesPreview(&[]).to_string(), "[0 bytes]");
    }
}
