//! Shopify's real contract, checked against Shopify's own published Admin API schema for the
//! version the template pins (`tests/shopify/`, from npm `@shopify/dev-mcp`): every GraphQL
//! document the template can send (`template/client/src/graphql/`: queries, mutations, and each bulk
//! query in every argument form the client gives it) is valid and uses nothing deprecated; each
//! document sent as a query costs, by Shopify's documented rules and at the page size the client
//! really asks for, at most 1,000 points (with a margin); the mock's own pricing agrees; each
//! document declares exactly the scopes Shopify's scope table derives for it; and the default
//! grant in `client.toml` is their union. Planted mistakes show each check can fail.

#[path = "../client/src/graphql/mod.rs"]
#[allow(dead_code)]
mod graphql;
#[path = "../client/tests/support/cost.rs"]
#[allow(dead_code)]
mod mock_cost;

use apollo_compiler::executable::{Field, Selection, SelectionSet};
use apollo_compiler::schema::ExtendedType;
use apollo_compiler::validation::Valid;
use apollo_compiler::{ExecutableDocument, Schema};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The Admin API version the template pins, and whose schema is kept here.
const API_VERSION: &str = "2026-10";
/// Shopify's limit on one query's requested cost.
const MAX_COST: u64 = 1000;
/// Page sizes are chosen so that a page costs at most this much: Shopify may price a little
/// higher than its documented rules (and the client halves the page if it does).
const COST_WITH_MARGIN: u64 = 900;
/// What a mutation costs.
const MUTATION_COST: u64 = 10;
/// The scope that widens `read_orders` to the whole history (no field requires it).
const HISTORY_SCOPE: &str = "read_all_orders";
/// The command whose scope is optional (asked for only when reconciliation is enabled).
const OPTIONAL_COMMAND: &str = "reconcile";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Shopify's schema and its scope table.
struct Admin {
    schema: Valid<Schema>,
    /// The scopes a type requires (any one of them), by type name.
    type_scopes: BTreeMap<String, Vec<String>>,
    /// The scopes a field requires (any one of them), by (type, field).
    field_scopes: BTreeMap<(String, String), Vec<String>>,
}

fn admin() -> &'static Admin {
    static ADMIN: OnceLock<Admin> = OnceLock::new();
    ADMIN.get_or_init(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("tests/shopify/admin_{API_VERSION}.json.gz"));
        let file = std::fs::File::open(&path).unwrap();
        let json: Value = serde_json::from_reader(flate2::read::GzDecoder::new(file)).unwrap();
        let sdl = sdl(&json["data"]["__schema"]);
        let schema = Schema::parse_and_validate(sdl, "admin.graphql")
            .unwrap_or_else(|e| panic!("Shopify's schema does not load: {}", e.errors));
        let mut type_scopes = BTreeMap::new();
        let mut field_scopes = BTreeMap::new();
        for item in json["offline_scopes"]["items"].as_array().unwrap() {
            let scopes: Vec<String> = item["offlineScopes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().to_owned())
                .collect();
            if scopes.is_empty() {
                continue;
            }
            let type_name = item["typeName"].as_str().unwrap().to_owned();
            match item["type"].as_str().unwrap() {
                "type" => {
                    type_scopes.insert(type_name, scopes);
                }
                "field" => {
                    let field = item["fieldName"].as_str().unwrap().to_owned();
                    field_scopes.insert((type_name, field), scopes);
                }
                other => panic!("an unknown scope table entry {other}"),
            }
        }
        assert!(type_scopes.len() > 100 && field_scopes.len() > 10);
        Admin {
            schema,
            type_scopes,
            field_scopes,
        }
    })
}

/// The schema in SDL, from Shopify's introspection answer (descriptions left out; deprecations
/// and default values kept).
fn sdl(schema: &Value) -> String {
    let mut out = String::new();
    let name = |v: &Value| v["name"].as_str().unwrap_or_default().to_owned();
    out.push_str(&format!(
        "schema {{ query: {} mutation: {} }}\n",
        name(&schema["queryType"]),
        name(&schema["mutationType"])
    ));
    for t in schema["types"].as_array().unwrap() {
        let type_name = name(t);
        if type_name.starts_with("__")
            || ["String", "Int", "Float", "Boolean", "ID"].contains(&type_name.as_str())
        {
            continue;
        }
        let implements = |t: &Value| {
            let names: Vec<String> = t["interfaces"]
                .as_array()
                .map(|a| a.iter().map(name).collect())
                .unwrap_or_default();
            if names.is_empty() {
                String::new()
            } else {
                format!(" implements {}", names.join(" & "))
            }
        };
        match t["kind"].as_str().unwrap() {
            "SCALAR" => out.push_str(&format!("scalar {type_name}\n")),
            "OBJECT" | "INTERFACE" => {
                let keyword = if t["kind"] == "OBJECT" {
                    "type"
                } else {
                    "interface"
                };
                out.push_str(&format!("{keyword} {type_name}{} {{\n", implements(t)));
                for f in t["fields"].as_array().unwrap() {
                    out.push_str(&format!(
                        "  {}{}: {}{}\n",
                        name(f),
                        arguments(&f["args"]),
                        type_ref(&f["type"]),
                        deprecated(f)
                    ));
                }
                out.push_str("}\n");
            }
            "UNION" => {
                let members: Vec<String> = t["possibleTypes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(name)
                    .collect();
                out.push_str(&format!("union {type_name} = {}\n", members.join(" | ")));
            }
            "ENUM" => {
                out.push_str(&format!("enum {type_name} {{\n"));
                for v in t["enumValues"].as_array().unwrap() {
                    out.push_str(&format!("  {}{}\n", name(v), deprecated(v)));
                }
                out.push_str("}\n");
            }
            "INPUT_OBJECT" => {
                out.push_str(&format!("input {type_name} {{\n"));
                for f in t["inputFields"].as_array().unwrap() {
                    out.push_str(&format!("  {}\n", input_value(f)));
                }
                out.push_str("}\n");
            }
            kind => panic!("an unknown type kind {kind}"),
        }
    }
    out
}

fn type_ref(t: &Value) -> String {
    match t["kind"].as_str().unwrap() {
        "NON_NULL" => format!("{}!", type_ref(&t["ofType"])),
        "LIST" => format!("[{}]", type_ref(&t["ofType"])),
        _ => t["name"].as_str().unwrap().to_owned(),
    }
}

fn deprecated(v: &Value) -> String {
    if v["isDeprecated"] == true {
        let reason = v["deprecationReason"]
            .as_str()
            .unwrap_or("No longer supported");
        format!(
            " @deprecated(reason: {})",
            serde_json::to_string(reason).unwrap()
        )
    } else {
        String::new()
    }
}

fn input_value(v: &Value) -> String {
    let default = v["defaultValue"]
        .as_str()
        .map(|d| format!(" = {d}"))
        .unwrap_or_default();
    format!(
        "{}: {}{default}{}",
        v["name"].as_str().unwrap(),
        type_ref(&v["type"]),
        deprecated(v)
    )
}

fn arguments(args: &Value) -> String {
    let args: Vec<String> = args.as_array().unwrap().iter().map(input_value).collect();
    if args.is_empty() {
        String::new()
    } else {
        format!("({})", args.join(", "))
    }
}

/// One document the client can send, as sent.
struct Sent {
    /// The file and, for a bulk query, its argument form.
    name: String,
    /// The whole file, header included.
    document: &'static str,
    text: String,
}

/// Every document of `template/src/graphql/`, and each bulk query in each argument form.
fn sent() -> Vec<Sent> {
    let mut sent = Vec::new();
    for &(file, document) in graphql::ALL {
        if graphql::is_bulk(document) {
            let forms = [
                ("whole history", None),
                (
                    "from a watermark",
                    Some("updated_at:>='2026-01-02T03:04:05Z'"),
                ),
            ];
            for (form, filter) in forms {
                sent.push(Sent {
                    name: format!("{file} ({form})"),
                    document,
                    text: graphql::bulk(document, filter),
                });
            }
        } else {
            sent.push(Sent {
                name: file.to_owned(),
                document,
                text: document.to_owned(),
            });
        }
    }
    sent
}

/// What is wrong with a document by Shopify's schema: validation errors, then every deprecated
/// field, argument and enum value it uses.
fn problems(name: &str, text: &str) -> Vec<String> {
    // apollo's parser lets an argument without a value through (`orders(ARGS)`): the mock's
    // syntax check catches it, as Shopify's parser would.
    let syntax = mock_cost::syntax_errors(&apollo_parser::Parser::new(text).parse());
    if !syntax.is_empty() {
        return syntax;
    }
    let schema = &admin().schema;
    let document = match ExecutableDocument::parse_and_validate(schema, text, name) {
        Ok(document) => document,
        Err(e) => return e.errors.iter().map(|d| d.to_string()).collect(),
    };
    let mut found = Vec::new();
    for operation in document.operations.iter() {
        deprecations(&operation.selection_set, &mut found);
    }
    for fragment in document.fragments.values() {
        deprecations(&fragment.selection_set, &mut found);
    }
    found
}

fn deprecations(set: &SelectionSet, found: &mut Vec<String>) {
    let schema = &admin().schema;
    for selection in &set.selections {
        match selection {
            Selection::Field(field) => {
                let at = format!("{}.{}", set.ty, field.name);
                if field.definition.directives.get("deprecated").is_some() {
                    found.push(format!("deprecated field {at}"));
                }
                for argument in &field.arguments {
                    let Some(definition) = field.definition.argument_by_name(&argument.name) else {
                        continue;
                    };
                    if definition.directives.get("deprecated").is_some() {
                        found.push(format!("deprecated argument {at}({})", argument.name));
                    }
                    if let (Some(value), Some(ExtendedType::Enum(e))) = (
                        argument.value.as_enum(),
                        schema.types.get(definition.ty.inner_named_type()),
                    ) && e
                        .values
                        .get(value)
                        .is_some_and(|v| v.directives.get("deprecated").is_some())
                    {
                        found.push(format!("deprecated value {at}({}: {value})", argument.name));
                    }
                }
                deprecations(&field.selection_set, found);
            }
            Selection::InlineFragment(fragment) => deprecations(&fragment.selection_set, found),
            Selection::FragmentSpread(_) => {}
        }
    }
}

/// The requested cost of a valid document by Shopify's documented rules, with the schema
/// deciding each field's kind: a scalar or enum 0, an object 1, a connection 2 + `first` ×
/// the cost of one record (its `nodes`, or `edges { node }`), a mutation 10. A `first` given
/// by a variable is the page size the document's header states.
fn requested_cost(name: &str, document: &str, text: &str) -> Result<u64, String> {
    let schema = &admin().schema;
    let valid = ExecutableDocument::parse_and_validate(schema, text, name)
        .map_err(|e| e.errors.to_string())?;
    let page_size = graphql::header(document, "page-size")
        .first()
        .map(|n| {
            n.parse::<u64>()
                .map_err(|e| format!("{name}: page-size: {e}"))
        })
        .transpose()?;
    let mut total = 0;
    for operation in valid.operations.iter() {
        if operation.operation_type.is_mutation() {
            total += MUTATION_COST * operation.selection_set.selections.len() as u64;
        } else {
            total += set_cost(&operation.selection_set, page_size)?;
        }
    }
    Ok(total)
}

fn set_cost(set: &SelectionSet, page_size: Option<u64>) -> Result<u64, String> {
    let mut total = 0;
    for selection in &set.selections {
        total += match selection {
            Selection::Field(field) => field_cost(field, page_size)?,
            Selection::InlineFragment(fragment) => set_cost(&fragment.selection_set, page_size)?,
            Selection::FragmentSpread(_) => return Err("fragment spreads are not priced".into()),
        };
    }
    Ok(total)
}

fn field_cost(field: &Field, page_size: Option<u64>) -> Result<u64, String> {
    let type_name = field.definition.ty.inner_named_type();
    match admin().schema.types.get(type_name) {
        Some(ExtendedType::Scalar(_) | ExtendedType::Enum(_)) => return Ok(0),
        Some(_) if type_name.ends_with("Connection") => {}
        Some(_) => return Ok(1 + set_cost(&field.selection_set, page_size)?),
        None => return Err(format!("unknown type {type_name}")),
    }
    let size = field
        .arguments
        .iter()
        .find(|a| a.name == "first" || a.name == "last")
        .map(|a| match a.value.as_ref() {
            apollo_compiler::ast::Value::Int(n) => {
                n.try_to_i32().map(|n| n as u64).map_err(|e| e.to_string())
            }
            apollo_compiler::ast::Value::Variable(v) => page_size
                .ok_or_else(|| format!("`${v}` is a page size, but no `# page-size:` header")),
            other => Err(format!("a page size of {other}")),
        })
        .transpose()?
        .ok_or_else(|| {
            format!(
                "the connection `{}` asks for no `first` or `last`",
                field.name
            )
        })?;
    let mut record = 0;
    let mut rest = 0;
    for selection in &field.selection_set.selections {
        match selection {
            Selection::Field(child) if child.name == "nodes" => {
                record += field_cost(child, page_size)?;
            }
            Selection::Field(child) if child.name == "edges" => {
                for edge in &child.selection_set.selections {
                    match edge {
                        Selection::Field(node) if node.name == "node" => {
                            record += field_cost(node, page_size)?;
                        }
                        Selection::Field(other) => record += field_cost(other, page_size)?,
                        _ => return Err("fragments under edges are not priced".into()),
                    }
                }
            }
            Selection::Field(child) => rest += field_cost(child, page_size)?,
            _ => return Err("fragments on a connection are not priced".into()),
        }
    }
    Ok(2 + size * record + rest)
}

/// Every scope requirement of a valid document, each a set of alternatives (any one suffices),
/// from Shopify's scope table: the field's own and that of the type it returns.
fn required_scopes(name: &str, text: &str) -> Result<BTreeSet<Vec<String>>, String> {
    let valid = ExecutableDocument::parse_and_validate(&admin().schema, text, name)
        .map_err(|e| e.errors.to_string())?;
    let mut required = BTreeSet::new();
    for operation in valid.operations.iter() {
        scope_walk(&operation.selection_set, &mut required);
    }
    Ok(required)
}

fn scope_walk(set: &SelectionSet, required: &mut BTreeSet<Vec<String>>) {
    let admin = admin();
    for selection in &set.selections {
        match selection {
            Selection::Field(field) => {
                let key = (set.ty.to_string(), field.name.to_string());
                if let Some(scopes) = admin.field_scopes.get(&key) {
                    required.insert(scopes.clone());
                }
                let returns = field.definition.ty.inner_named_type().to_string();
                if let Some(scopes) = admin.type_scopes.get(&returns) {
                    required.insert(scopes.clone());
                }
                scope_walk(&field.selection_set, required);
            }
            Selection::InlineFragment(fragment) => scope_walk(&fragment.selection_set, required),
            Selection::FragmentSpread(_) => {}
        }
    }
}

/// What is wrong with the scopes a document declares: a requirement none of them meets, or a
/// declared scope that no requirement needs (the declared set must be exactly enough).
fn scope_problems(declared: &[&str], required: &BTreeSet<Vec<String>>) -> Vec<String> {
    let mut found = Vec::new();
    for alternatives in required {
        if !alternatives.iter().any(|s| declared.contains(&s.as_str())) {
            found.push(format!("needs one of {alternatives:?}"));
        }
    }
    for scope in declared {
        // Needed: some requirement that only this declared scope meets.
        let needed = required.iter().any(|alternatives| {
            alternatives.iter().any(|s| s == scope)
                && !alternatives
                    .iter()
                    .any(|s| s != scope && declared.contains(&s.as_str()))
        });
        if !needed {
            found.push(format!(
                "declares {scope}, which nothing it selects requires"
            ));
        }
        if !scope.starts_with("read_") {
            found.push(format!("declares {scope}, which is not read-only"));
        }
    }
    found
}

/// The scopes `client.toml` asks for by default.
fn default_grant() -> BTreeSet<String> {
    let template =
        std::fs::read_to_string(repo().join("template/client/client.toml.liquid")).unwrap();
    let line = template
        .lines()
        .find(|l| l.starts_with("scopes = "))
        .expect("client.toml sets scopes");
    let table: toml_edit::DocumentMut = line.parse().unwrap();
    table["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn the_schema_kept_is_for_the_pinned_api_version() {
    let template =
        std::fs::read_to_string(repo().join("template/client/client.toml.liquid")).unwrap();
    assert!(
        template.contains(&format!("api_version = \"{API_VERSION}\"")),
        "client.toml pins another API version than the schema kept in tests/shopify/"
    );
}

#[test]
fn every_document_file_is_one_the_client_can_send() {
    let dir = repo().join("template/client/src/graphql");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".graphql"))
        .collect();
    files.sort();
    let mut listed: Vec<&str> = graphql::ALL.iter().map(|(name, _)| *name).collect();
    listed.sort();
    assert_eq!(files, listed, "graphql::ALL lists every document file");
}

#[test]
fn no_document_is_written_outside_the_graphql_directory() {
    // A document inline in Rust would escape every check here.
    let mut inline = Vec::new();
    for entry in std::fs::read_dir(repo().join("template/client/src")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            for marker in ["\"query ", "\"mutation ", "\"{ "] {
                if text.contains(marker) {
                    inline.push(format!("{}: {marker}", path.display()));
                }
            }
        }
    }
    assert!(inline.is_empty(), "{inline:?}");
}

#[test]
fn every_document_is_valid_and_uses_nothing_deprecated() {
    let sent = sent();
    assert!(sent.len() >= graphql::ALL.len());
    let mut report = Vec::new();
    for s in &sent {
        for problem in problems(&s.name, &s.text) {
            report.push(format!("{}: {problem}", s.name));
        }
    }
    assert!(report.is_empty(), "{}", report.join("\n"));
}

#[test]
fn a_planted_invalid_or_deprecated_document_is_reported() {
    let bad_field = problems(
        "bad",
        "query { orders(first: 1) { nodes { id totalPriceUsd } } }",
    );
    assert!(
        bad_field.iter().any(|p| p.contains("totalPriceUsd")),
        "{bad_field:?}"
    );
    let bad_argument = problems(
        "bad",
        "query { orders(first: 1, sortKey: PRICE_DESC) { nodes { id } } }",
    );
    assert!(!bad_argument.is_empty());
    let old = problems(
        "old",
        "query { currentBulkOperation(type: QUERY) { id status } }",
    );
    assert_eq!(old, ["deprecated field QueryRoot.currentBulkOperation"]);
    // The bulk queries' placeholder must be replaced: sent as is, it is invalid.
    let raw = graphql::body(graphql::ORDERS_BULK);
    assert_eq!(
        problems("raw", raw),
        ["syntax error: `ARGS` has no value"],
        "{raw}"
    );
    assert!(mock_cost::requested_cost(raw, &Value::Null).is_err());
}

#[test]
fn every_query_costs_at_most_1000_points_at_the_page_size_used() {
    let mut costs = Vec::new();
    let mut report = Vec::new();
    for s in sent().iter().filter(|s| !graphql::is_bulk(s.document)) {
        let cost = requested_cost(&s.name, s.document, &s.text).unwrap();
        costs.push(format!("{}: {cost}", s.name));
        if cost > COST_WITH_MARGIN {
            report.push(format!(
                "{} requests {cost} points at its page size: over {COST_WITH_MARGIN} (Shopify's \
                 limit is {MAX_COST}, less a margin); choose a smaller `# page-size:`",
                s.name
            ));
        }
        // The mock prices the request as sent (header comments and all) by the same rules.
        let size = graphql::header(s.document, "page-size")
            .first()
            .map(|n| n.parse::<u64>().unwrap());
        let variables = serde_json::json!({ "first": size, "id": "gid://shopify/BulkOperation/1" });
        assert_eq!(
            mock_cost::requested_cost(&s.text, &variables),
            Ok(cost),
            "{}: the generated client's mock prices it differently",
            s.name
        );
    }
    assert!(report.is_empty(), "{}\nall: {costs:?}", report.join("\n"));
    // The numbers, by hand: 2 + 6 × 145 + pageInfo, an order being itself, its customer,
    // totalPriceSet and shopMoney (4) and its agreements: 2 + 3 × (itself, its sales 2 + 6 ×
    // (a sale and three MoneyBag { shopMoney }, 7) + pageInfo) + pageInfo = 141.
    assert!(
        costs.contains(&"orders.graphql: 873".to_owned()),
        "{costs:?}"
    );
    assert!(
        costs.contains(&"customers.graphql: 503".to_owned()),
        "{costs:?}"
    );
    assert!(
        costs.contains(&"app_uninstall.graphql: 10".to_owned()),
        "{costs:?}"
    );
}

#[test]
fn page_sizes_are_chosen_from_the_cost_of_one_record() {
    for s in sent().iter().filter(|s| !graphql::is_bulk(s.document)) {
        let Some(size) = graphql::header(s.document, "page-size")
            .first()
            .map(|n| n.parse::<u64>().unwrap())
        else {
            continue;
        };
        let at = |n: u64| {
            let text = s.text.replace("# page-size: ", "# was: ");
            let document: &'static str =
                Box::leak(format!("# page-size: {n}\n{text}").into_boxed_str());
            requested_cost(&s.name, document, document).unwrap()
        };
        let record = at(1) - at(0);
        let fixed = at(0);
        let largest = ((COST_WITH_MARGIN - fixed) / record).min(u64::from(graphql::MAX_PAGE_SIZE));
        // The rule: the largest page within the margin, rounded down to a multiple of 50 when
        // it is at least 50.
        let chosen = if largest >= 50 {
            largest / 50 * 50
        } else {
            largest
        };
        assert!(chosen > 0, "{}: one record alone costs too much", s.name);
        assert_eq!(
            size, chosen,
            "{}: one record costs {record}, the page {fixed} more: the largest page within \
             {COST_WITH_MARGIN} points is {largest}, so `# page-size: {chosen}`",
            s.name
        );
    }
}

#[test]
fn a_planted_over_cost_query_is_reported() {
    // One order more than the page holds: 7 a page costs 2 + 7 × 145 + 1 = 1,018 points, which
    // Shopify refuses.
    let document: &'static str = Box::leak(
        graphql::ORDERS
            .replace("# page-size: 6", "# page-size: 7")
            .into_boxed_str(),
    );
    let cost = requested_cost("orders at 7", document, document).unwrap();
    assert_eq!(cost, 1018);
    assert!(cost > MAX_COST);
    assert_eq!(
        mock_cost::requested_cost(document, &serde_json::json!({ "first": 7 })),
        Ok(1018)
    );
    let unpaged = "query { orders(sortKey: UPDATED_AT) { nodes { id } } }";
    assert!(requested_cost("unpaged", unpaged, unpaged).is_err());
}

#[test]
fn every_document_declares_exactly_the_scopes_shopify_requires() {
    let mut report = Vec::new();
    for s in sent() {
        let required = required_scopes(&s.name, &s.text).unwrap();
        for problem in scope_problems(&graphql::scopes(s.document), &required) {
            report.push(format!("{}: {problem}", s.name));
        }
    }
    assert!(report.is_empty(), "{}", report.join("\n"));
}

#[test]
fn a_planted_scope_mistake_is_reported() {
    let products = "query { products(first: 5) { nodes { id title } } }";
    let required = required_scopes("products", products).unwrap();
    assert!(
        required
            .iter()
            .any(|r| r.contains(&"read_products".to_owned())),
        "{required:?}"
    );
    assert_eq!(
        scope_problems(&["read_orders"], &required).len(),
        2,
        "read_products missing and read_orders unneeded"
    );
    // The orders page reads each order's customer: read_customers too.
    let required = required_scopes("orders", graphql::ORDERS).unwrap();
    assert!(!scope_problems(&["read_orders"], &required).is_empty());
    assert!(scope_problems(&["read_orders", "read_customers"], &required).is_empty());
    assert!(
        !scope_problems(
            &["read_orders", "read_customers", "read_products"],
            &required
        )
        .is_empty()
    );
}

#[test]
fn the_default_grant_is_exactly_what_the_documents_need() {
    let mut union = BTreeSet::new();
    for (name, document) in graphql::ALL {
        let optional = graphql::commands(document).contains(&OPTIONAL_COMMAND);
        for scope in graphql::scopes(document) {
            if optional {
                // Reconciliation is optional: its scopes are asked for only when enabled.
                assert!(
                    scope == "read_reports" || union.contains(scope),
                    "{name}: a scope only `{OPTIONAL_COMMAND}` needs must be read_reports"
                );
            } else {
                union.insert(scope.to_owned());
            }
        }
    }
    union.insert(HISTORY_SCOPE.to_owned());
    assert_eq!(default_grant(), union);
    assert!(!union.contains("read_products"));
}
