//! The JSON form of nodes used by the vector files (`{tag, attrs, content: {nodes|string|bytes}}`,
//! see ../shared/vectors/README.md "Node JSON form"), and a structural comparison that names the
//! first difference.

use serde_json::{Map, Value};
use wa_actors::protocol::binary::{Content, Node};

/// Builds a [`Node`] from its JSON form. `null` attributes are skipped; attribute order is kept.
pub fn node_from_json(v: &Value) -> Result<Node, String> {
    let tag = v
        .get("tag")
        .and_then(Value::as_str)
        .ok_or("node without a string `tag`")?;
    let mut node = Node::new(tag.to_owned());
    if let Some(attrs) = v.get("attrs") {
        let attrs = attrs.as_object().ok_or("`attrs` is not an object")?;
        for (k, val) in attrs {
            match val {
                Value::Null => {}
                Value::String(s) => node.attrs.push(k.clone(), s.clone()),
                other => return Err(format!("attribute `{k}` is not a string: {other}")),
            }
        }
    }
    node.content = match v.get("content") {
        None | Some(Value::Null) => Content::None,
        Some(Value::Object(c)) if c.len() == 1 => {
            if let Some(nodes) = c.get("nodes") {
                let nodes = nodes.as_array().ok_or("`nodes` is not an array")?;
                Content::Nodes(nodes.iter().map(node_from_json).collect::<Result<_, _>>()?)
            } else if let Some(s) = c.get("string") {
                Content::String(
                    s.as_str()
                        .ok_or("`string` is not a string")?
                        .to_owned()
                        .into(),
                )
            } else if let Some(b) = c.get("bytes") {
                let b = b.as_str().ok_or("`bytes` is not a string")?;
                Content::Bytes(hex::decode(b).map_err(|e| format!("`bytes` is not hex: {e}"))?)
            } else {
                return Err(format!(
                    "unknown content kind: {}",
                    Value::Object(c.clone())
                ));
            }
        }
        Some(other) => return Err(format!("bad `content`: {other}")),
    };
    Ok(node)
}

/// The JSON form of `node`; attribute values (JIDs included) become strings.
pub fn node_to_json(node: &Node) -> Value {
    let mut obj = Map::new();
    obj.insert("tag".into(), Value::String(node.tag.to_string()));
    let attrs: Map<String, Value> = node
        .attrs
        .iter()
        .map(|(k, v)| (k.to_owned(), Value::String(v.to_string())))
        .collect();
    obj.insert("attrs".into(), Value::Object(attrs));
    let content = match &node.content {
        Content::None => None,
        Content::Nodes(n) => Some(("nodes", Value::Array(n.iter().map(node_to_json).collect()))),
        Content::String(s) => Some(("string", Value::String(s.to_string()))),
        Content::Bytes(b) => Some(("bytes", Value::String(hex::encode(b)))),
    };
    if let Some((kind, value)) = content {
        let mut c = Map::new();
        c.insert(kind.into(), value);
        obj.insert("content".into(), Value::Object(c));
    }
    Value::Object(obj)
}

/// Structural equality (same tag, same attributes with the same text in the same order, same
/// content kind and value); the error names the path of the first difference.
pub fn nodes_equal(got: &Node, want: &Node) -> Result<(), String> {
    diff(got, want, &mut String::new())
}

fn diff(got: &Node, want: &Node, path: &mut String) -> Result<(), String> {
    let len = path.len();
    path.push('/');
    path.push_str(&want.tag);
    let result = (|| {
        if got.tag != want.tag {
            return Err(format!("{path}: tag {:?}, want {:?}", got.tag, want.tag));
        }
        let g: Vec<_> = got.attrs.iter().map(|(k, v)| (k, v.to_string())).collect();
        let w: Vec<_> = want.attrs.iter().map(|(k, v)| (k, v.to_string())).collect();
        if g != w {
            return Err(format!("{path}: attrs {g:?}, want {w:?}"));
        }
        match (&got.content, &want.content) {
            (Content::Nodes(g), Content::Nodes(w)) => {
                if g.len() != w.len() {
                    return Err(format!("{path}: {} children, want {}", g.len(), w.len()));
                }
                for (g, w) in g.iter().zip(w) {
                    diff(g, w, path)?;
                }
                Ok(())
            }
            (g, w) if g == w => Ok(()),
            (g, w) => Err(format!("{path}: content {g:?}, want {w:?}")),
        }
    })();
    path.truncate(len);
    result
}
