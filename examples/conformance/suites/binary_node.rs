//! Suite `binary-node` (`binary-node.json`): the binary node codec. Per vector, the four
//! acceptance rules of the README: encode(node) = encoded; decode(encoded) = decoded;
//! decode(compressed) = decoded; encode(decoded) = reencoded (or encoded).

use serde_json::Value;
use wa_actors::protocol::binary::{pack, unpack, Node};

use super::json;
use super::node_json::{node_from_json, node_to_json, nodes_equal};
use super::Report;

/// Checks every vector of a `binary-node.json` document, one case per vector.
pub fn check(doc: &Value, report: &mut Report) -> Result<(), String> {
    let vectors = json::arr(doc, "vectors")?;
    if let Some(count) = doc.get("count").and_then(Value::as_u64) {
        if count as usize != vectors.len() {
            return Err(format!(
                "count is {count} but there are {} vectors",
                vectors.len()
            ));
        }
    }
    for (i, v) in vectors.iter().enumerate() {
        let name = v
            .get("name")
            .and_then(Value::as_str)
            .map_or_else(|| format!("vector {i}"), str::to_owned);
        report.case(&name, check_vector(v));
    }
    Ok(())
}

fn check_vector(v: &Value) -> Result<(), String> {
    let node = node_from_json(v.get("node").ok_or("missing `node`")?)?;
    let encoded = json::hex(v, "encoded")?;
    let decoded = node_from_json(v.get("decoded").ok_or("missing `decoded`")?)?;
    let compressed = json::hex(v, "compressed")?;
    let reencoded = match v.get("reencoded") {
        Some(_) => json::hex(v, "reencoded")?,
        None => encoded.clone(),
    };

    // 1. encode(node) = encoded
    json::eq_bytes("encode(node)", &pack(&node), &encoded)?;
    // 2. decode(encoded) = decoded
    let got = unpack(&encoded).map_err(|e| format!("decode(encoded): {e}"))?;
    same("decode(encoded)", &got, &decoded)?;
    // 3. decode(compressed) = decoded
    let got_z = unpack(&compressed).map_err(|e| format!("decode(compressed): {e}"))?;
    same("decode(compressed)", &got_z, &decoded)?;
    // 4. encode(decoded) = reencoded, both from the JSON form and from our own decoded node
    //    (whose JID attributes are typed, not strings).
    json::eq_bytes("encode(decoded)", &pack(&decoded), &reencoded)?;
    json::eq_bytes("encode(decode(encoded))", &pack(&got), &reencoded)?;
    Ok(())
}

fn same(what: &str, got: &Node, want: &Node) -> Result<(), String> {
    nodes_equal(got, want).map_err(|e| format!("{what}: {e}"))?;
    // The JSON form must agree too (it is what other suites compare against).
    if node_to_json(got) != node_to_json(want) {
        return Err(format!("{what}: JSON forms differ"));
    }
    Ok(())
}
