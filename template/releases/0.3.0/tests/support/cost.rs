//! What Shopify charges for a query, by the rules its GraphQL Admin API rate-limits page
//! documents: a scalar or enum field costs 0, an object 1, a connection 2 plus `first` (or
//! `last`) times the cost of one of its records, a mutation 10; one query may request at most
//! 1,000 points. The mock prices every request by these rules and refuses what Shopify would
//! refuse, with Shopify's answer (`MAX_COST_EXCEEDED`), so a client whose pages are too costly
//! fails here as it would against a real shop. clientwall's own tests check these prices
//! against Shopify's published schema.
//!
//! Without the schema, a field's kind is read from the query: a field without a selection is a
//! scalar or enum, a field with a `first` or `last` argument a connection (whose `nodes`, or
//! `edges { node }`, are its records), any other field with a selection an object.

use apollo_parser::Parser;
use apollo_parser::cst::{self, CstNode};
use serde_json::{Value, json};

/// The most points one query may request.
pub const MAX_COST: u64 = 1000;
/// What a mutation costs.
pub const MUTATION_COST: u64 = 10;
/// Deeper selections are refused rather than priced (Shopify limits depth too).
const MAX_DEPTH: usize = 64;

/// The requested cost of `query` with `variables`, or why Shopify would not run it (it does
/// not parse, or a connection asks for neither `first` nor `last`).
pub fn requested_cost(query: &str, variables: &Value) -> Result<u64, String> {
    let tree = Parser::new(query).recursion_limit(MAX_DEPTH).parse();
    if let Some(error) = syntax_errors(&tree).into_iter().next() {
        return Err(error);
    }
    let mut total = 0u64;
    for definition in tree.document().definitions() {
        let cst::Definition::OperationDefinition(operation) = definition else {
            continue;
        };
        let mutation = operation
            .operation_type()
            .is_some_and(|t| t.mutation_token().is_some());
        let Some(selections) = operation.selection_set() else {
            continue;
        };
        for selection in selections.selections() {
            total = total.saturating_add(if mutation {
                MUTATION_COST
            } else {
                selection_cost(&selection, variables, 0)?
            });
        }
    }
    Ok(total)
}

/// The syntax errors of a parsed query, including an argument or input field without a value
/// (`orders(ARGS)`), which the parser lets through but Shopify refuses.
pub fn syntax_errors(tree: &apollo_parser::SyntaxTree) -> Vec<String> {
    let mut errors: Vec<String> = tree
        .errors()
        .map(|e| format!("syntax error: {}", e.message()))
        .collect();
    for node in tree.document().syntax().descendants() {
        let missing = if let Some(argument) = cst::Argument::cast(node.clone()) {
            argument.value().is_none().then(|| name(argument.name()))
        } else if let Some(field) = cst::ObjectField::cast(node) {
            field.value().is_none().then(|| name(field.name()))
        } else {
            None
        };
        if let Some(missing) = missing {
            errors.push(format!("syntax error: `{missing}` has no value"));
        }
    }
    errors
}

/// Why Shopify would refuse a bulk query (`bulkOperationRunQuery`'s `userErrors`), if it would:
/// it does not parse. Bulk queries have no cost limit.
pub fn bulk_query_error(query: &str) -> Option<String> {
    let tree = Parser::new(query).recursion_limit(MAX_DEPTH).parse();
    syntax_errors(&tree).into_iter().next()
}

/// Shopify's answer to a query over the limit (HTTP 200).
pub fn max_cost_exceeded(cost: u64, max_cost: u64) -> Value {
    json!({ "errors": [{
        "message": format!(
            "Query cost is {cost}, which exceeds the single query max cost limit ({max_cost}).\n\n\
             See https://shopify.dev/concepts/about-apis/rate-limits for more information on how \
             the\ncost of a query is calculated.\n\nTo query larger amounts of data with fewer \
             limits, bulk operations should be used instead.\nSee \
             https://shopify.dev/api/usage/bulk-operations/queries for usage details.\n"
        ),
        "extensions": {
            "code": "MAX_COST_EXCEEDED",
            "cost": cost,
            "maxCost": max_cost,
            "documentation": "https://shopify.dev/api/usage/rate-limits"
        }
    }] })
}

fn set_cost(
    set: Option<cst::SelectionSet>,
    variables: &Value,
    depth: usize,
) -> Result<u64, String> {
    let mut total = 0u64;
    for selection in set.iter().flat_map(|s| s.selections()) {
        total = total.saturating_add(selection_cost(&selection, variables, depth)?);
    }
    Ok(total)
}

fn selection_cost(
    selection: &cst::Selection,
    variables: &Value,
    depth: usize,
) -> Result<u64, String> {
    if depth > MAX_DEPTH {
        return Err("the query is nested too deeply".to_owned());
    }
    match selection {
        cst::Selection::Field(field) => field_cost(field, variables, depth + 1),
        cst::Selection::InlineFragment(fragment) => {
            set_cost(fragment.selection_set(), variables, depth + 1)
        }
        cst::Selection::FragmentSpread(_) => {
            Err("fragment spreads are not priced by the mock".to_owned())
        }
    }
}

fn field_cost(field: &cst::Field, variables: &Value, depth: usize) -> Result<u64, String> {
    let Some(set) = field.selection_set() else {
        return Ok(0);
    };
    let Some(size) = page_size(field, variables)? else {
        return Ok(1u64.saturating_add(set_cost(Some(set), variables, depth)?));
    };
    // A connection: its records (`nodes`, or `node` under `edges`) are each an object.
    let mut record = 0u64;
    let mut rest = 0u64;
    for selection in set.selections() {
        let cst::Selection::Field(child) = &selection else {
            rest = rest.saturating_add(selection_cost(&selection, variables, depth)?);
            continue;
        };
        match name(child.name()).as_str() {
            "nodes" => record = record.saturating_add(field_cost(child, variables, depth)?),
            "edges" => {
                for edge in child.selection_set().iter().flat_map(|s| s.selections()) {
                    match &edge {
                        cst::Selection::Field(node) if name(node.name()) == "node" => {
                            record = record.saturating_add(field_cost(node, variables, depth)?);
                        }
                        other => {
                            record = record.saturating_add(selection_cost(other, variables, depth)?)
                        }
                    }
                }
            }
            _ => rest = rest.saturating_add(field_cost(child, variables, depth)?),
        }
    }
    Ok(2u64
        .saturating_add(size.saturating_mul(record))
        .saturating_add(rest))
}

/// A connection's page size: its `first` or `last` argument, a literal or a variable. `None`
/// for a field that takes neither (an object).
fn page_size(field: &cst::Field, variables: &Value) -> Result<Option<u64>, String> {
    let field_name = name(field.name());
    for argument in field.arguments().iter().flat_map(|a| a.arguments()) {
        let key = name(argument.name());
        if key != "first" && key != "last" {
            continue;
        }
        let size = match argument.value() {
            Some(cst::Value::IntValue(int)) => i32::try_from(&int).ok().map(i64::from),
            Some(cst::Value::Variable(variable)) => variables[name(variable.name())].as_i64(),
            _ => None,
        };
        return match size {
            Some(size) if size >= 0 => Ok(Some(size as u64)),
            _ => Err(format!("`{field_name}` has no usable `{key}`")),
        };
    }
    let connection_arguments = field
        .arguments()
        .iter()
        .flat_map(|a| a.arguments())
        .any(|a| matches!(name(a.name()).as_str(), "after" | "before"));
    if connection_arguments {
        return Err(format!(
            "you must provide one of first or last for the `{field_name}` connection"
        ));
    }
    Ok(None)
}

fn name(name: Option<cst::Name>) -> String {
    name.map(|n| n.text().to_string()).unwrap_or_default()
}
