//! The query planner: parses the `query` option once, checks it is a single-table SELECT of the
//! shape SeaTunnel's SQL transform runs (no joins, grouping, ordering, limits or sub-queries),
//! and compiles projection and WHERE into a [`Plan`] with the output schema.

use std::sync::Arc;

use sqlparser::ast::{
    self, GroupByExpr, SelectItem, SelectItemQualifiedWildcardKind, SetExpr, Statement, TableFactor,
};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, Tokenizer};

use seatunnel_data::{Field, TableSchema};

use super::compile::Compiler;
use super::error::SqlError;
use super::expr::{Expr, Kind};

/// The table name every SQL engine accepts for a query without a real table.
const DUAL: &str = "DUAL";

/// One output column.
#[derive(Debug)]
pub enum Item {
    /// An input column copied as it is (`*`, or a bare column reference).
    Copy(usize),
    /// A computed column; `text` is the expression as written, for error messages.
    Compute { expr: Expr, text: String },
}

#[derive(Debug)]
pub struct Plan {
    pub output: Arc<TableSchema>,
    pub items: Vec<Item>,
    pub filter: Option<(Expr, String)>,
}

fn not_supported(what: impl Into<String>) -> SqlError {
    SqlError::NotSupported(what.into())
}

/// The longest query text the transform takes. The tokens of a query live in memory at once,
/// so the text bounds what one job costs; real transform queries are a few KiB at most.
pub const MAX_SQL_BYTES: usize = 64 * 1024;
/// The most tokens (words, literals, operators) one query may have. sqlparser builds an
/// operator chain `a+a+…` without recursing, but the tree it builds is one level deeper per
/// operator, and dropping or printing that tree recurses. With this bound a tree is at most
/// about 2 000 levels deep, which dropping and printing handle on a 2 MiB stack (measured in a
/// debug build, whose frames are the largest) before [`super::compile::MAX_SQL_NESTING`] even
/// applies. The tree is never cloned, since cloning takes far more stack per level.
pub const MAX_SQL_TOKENS: usize = 4096;

/// Parses the query and returns its SELECT, rejecting every other statement shape.
pub fn parse(query: &str) -> Result<ast::Select, SqlError> {
    if query.len() > MAX_SQL_BYTES {
        return Err(SqlError::TooLong {
            what: format!("{} bytes", query.len()),
            limit: MAX_SQL_BYTES,
        });
    }
    let dialect = GenericDialect {};
    let tokens = Tokenizer::new(&dialect, query)
        .tokenize_with_location()
        .map_err(|e| SqlError::Parse(e.to_string()))?;
    let significant = tokens
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .count();
    if significant > MAX_SQL_TOKENS {
        return Err(SqlError::TooLong {
            what: format!("{significant} tokens"),
            limit: MAX_SQL_TOKENS,
        });
    }
    let statements = Parser::new(&dialect)
        .with_tokens_with_locations(tokens)
        .parse_statements()
        .map_err(|e| SqlError::Parse(e.to_string()))?;
    if statements.len() > 1 {
        return Err(not_supported("several statements in one query"));
    }
    let Some(statement) = statements.into_iter().next() else {
        return Err(SqlError::Parse("the query is empty".into()));
    };
    let Statement::Query(q) = statement else {
        return Err(not_supported("statements other than SELECT"));
    };
    let clauses = [
        (q.with.is_some(), "WITH"),
        (q.order_by.is_some(), "ORDER BY"),
        (
            q.limit_clause.is_some() || q.fetch.is_some(),
            "LIMIT, OFFSET and FETCH",
        ),
        (!q.locks.is_empty() || q.for_clause.is_some(), "FOR clauses"),
        (
            q.settings.is_some() || q.format_clause.is_some() || !q.pipe_operators.is_empty(),
            "SETTINGS, FORMAT and pipe operators",
        ),
    ];
    if let Some((_, what)) = clauses.iter().find(|(present, _)| *present) {
        return Err(not_supported(*what));
    }
    let SetExpr::Select(select) = *q.body else {
        return Err(not_supported(
            "UNION, INTERSECT, EXCEPT, VALUES and nested queries",
        ));
    };
    let s = *select;
    let group_by =
        !matches!(&s.group_by, GroupByExpr::Expressions(e, m) if e.is_empty() && m.is_empty());
    let clauses = [
        (s.distinct.is_some(), "DISTINCT"),
        (s.top.is_some(), "TOP"),
        (s.into.is_some(), "SELECT INTO"),
        (!s.lateral_views.is_empty(), "LATERAL VIEW"),
        (s.prewhere.is_some(), "PREWHERE"),
        (group_by || s.having.is_some(), "GROUP BY and HAVING"),
        (
            !s.cluster_by.is_empty() || !s.distribute_by.is_empty() || !s.sort_by.is_empty(),
            "CLUSTER BY, DISTRIBUTE BY and SORT BY",
        ),
        (
            !s.named_window.is_empty() || s.qualify.is_some(),
            "WINDOW and QUALIFY",
        ),
        (!s.connect_by.is_empty(), "CONNECT BY"),
        (
            s.value_table_mode.is_some() || s.exclude.is_some(),
            "SELECT AS and EXCLUDE",
        ),
    ];
    if let Some((_, what)) = clauses.iter().find(|(present, _)| *present) {
        return Err(not_supported(*what));
    }
    Ok(s)
}

/// The name in FROM; a single table without alias, joins or arguments.
fn from_table(select: &ast::Select) -> Result<String, SqlError> {
    let [from] = select.from.as_slice() else {
        return Err(if select.from.is_empty() {
            not_supported("SELECT without FROM")
        } else {
            not_supported("several tables in FROM")
        });
    };
    if !from.joins.is_empty() {
        return Err(not_supported("JOIN"));
    }
    match &from.relation {
        TableFactor::Table {
            name,
            alias: None,
            args: None,
            ..
        } => Ok(name.to_string().replace('`', "")),
        TableFactor::Table { alias: Some(_), .. } => Err(not_supported("table aliases")),
        TableFactor::Derived { .. } => Err(not_supported("sub-queries in FROM")),
        other => Err(not_supported(format!("FROM {other}"))),
    }
}

/// Compiles `query` against `input`. `names` are the names the job gives the input table
/// (`plugin_input`); the FROM table must be one of them, the table's own name, or DUAL. A job
/// that names no input (one upstream, chained implicitly) has nothing to compare against, so
/// any FROM name reads that one table.
pub fn plan(query: &str, input: &TableSchema, names: &[String]) -> Result<Plan, SqlError> {
    let select = parse(query)?;
    let table = from_table(&select)?;
    let known = names.is_empty()
        || names
            .iter()
            .map(String::as_str)
            .chain([input.path.table.as_str(), &input.path.full_name(), DUAL])
            .any(|n| n.eq_ignore_ascii_case(&table));
    if !known {
        let expected = match names.first() {
            Some(n) => format!("'{n}'"),
            None => format!("'{}'", input.path.full_name()),
        };
        return Err(SqlError::WrongTable {
            hint: expected.trim_matches('\'').to_string(),
            found: table,
            expected,
        });
    }
    let compiler = Compiler::new(input, table);
    let mut fields = Vec::new();
    let mut items = Vec::new();
    let copy_all = |fields: &mut Vec<Field>, items: &mut Vec<Item>| {
        for (i, f) in input.fields.iter().enumerate() {
            fields.push(f.clone());
            items.push(Item::Copy(i));
        }
    };
    for item in &select.projection {
        let (e, alias) = match item {
            SelectItem::Wildcard(opts) => {
                if opts.opt_ilike.is_some()
                    || opts.opt_exclude.is_some()
                    || opts.opt_except.is_some()
                    || opts.opt_replace.is_some()
                    || opts.opt_rename.is_some()
                {
                    return Err(not_supported(format!("'{item}'")));
                }
                copy_all(&mut fields, &mut items);
                continue;
            }
            SelectItem::QualifiedWildcard(SelectItemQualifiedWildcardKind::ObjectName(name), _)
                if name.to_string().eq_ignore_ascii_case(&compiler.table) =>
            {
                copy_all(&mut fields, &mut items);
                continue;
            }
            SelectItem::UnnamedExpr(e) => (e, None),
            SelectItem::ExprWithAlias { expr, alias } => (expr, Some(alias.value.clone())),
            other => return Err(not_supported(format!("select item '{other}'"))),
        };
        let expr = compiler.expr(e)?;
        let name = alias.unwrap_or_else(|| match e {
            ast::Expr::Identifier(i) => i.value.clone(),
            ast::Expr::CompoundIdentifier(parts) => {
                parts.last().map(|i| i.value.clone()).unwrap_or_default()
            }
            other => other.to_string(),
        });
        fields.push(Field::new(name, expr.ty.clone()));
        items.push(match expr.kind {
            Kind::Column(i) => Item::Copy(i),
            _ => Item::Compute {
                expr,
                text: e.to_string(),
            },
        });
    }
    let filter = match &select.selection {
        None => None,
        Some(w) => {
            let f = compiler.expr(w)?;
            if !matches!(
                f.ty,
                seatunnel_data::DataType::Boolean | seatunnel_data::DataType::Null
            ) {
                return Err(not_supported(format!(
                    "WHERE condition of type {}: '{w}'",
                    f.ty
                )));
            }
            Some((f, w.to_string()))
        }
    };
    Ok(Plan {
        output: TableSchema::new(input.path.clone(), fields),
        items,
        filter,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use seatunnel_data::{DataType, TablePath};

    fn input() -> Arc<TableSchema> {
        TableSchema::new(
            TablePath::parse("fake"),
            vec![
                Field::new("id", DataType::Int),
                Field::new("name", DataType::String),
            ],
        )
    }

    fn err(sql: &str) -> String {
        plan(sql, &input(), &["fake".into()])
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn star_and_extra_columns_make_the_output_schema() {
        let p = plan("select *, id as id_ from fake", &input(), &["fake".into()]).unwrap();
        assert_eq!(p.output.field_names(), vec!["id", "name", "id_"]);
        assert!(matches!(p.items[2], Item::Copy(0)));
        let p = plan(
            "select id + 1, `name` as `apply` from FAKE where id > 1",
            &input(),
            &[],
        )
        .unwrap();
        assert_eq!(p.output.field_names(), vec!["id + 1", "apply"]);
        assert!(p.filter.is_some());
    }

    #[test]
    fn the_from_table_must_be_the_input() {
        assert!(plan("select * from dual", &input(), &["x".into()]).is_ok());
        assert!(plan("select * from my_input", &input(), &["my_input".into()]).is_ok());
        assert!(plan("select * from implicit", &input(), &[]).is_ok());
        assert_eq!(
            err("select * from other"),
            "sql query reads table 'other' but the transform's input table is 'fake'; write FROM fake"
        );
    }

    #[test]
    fn other_shapes_are_not_supported() {
        assert_eq!(
            err("select id from fake group by id"),
            "not supported: GROUP BY and HAVING"
        );
        assert_eq!(
            err("select id from fake order by id"),
            "not supported: ORDER BY"
        );
        assert_eq!(
            err("select id from fake limit 1"),
            "not supported: LIMIT, OFFSET and FETCH"
        );
        assert_eq!(
            err("select distinct id from fake"),
            "not supported: DISTINCT"
        );
        assert_eq!(
            err("select a.id from fake a"),
            "not supported: table aliases"
        );
        assert_eq!(
            err("select * from fake join fake f2 on true"),
            "not supported: JOIN"
        );
        assert_eq!(
            err("insert into fake values (1, 'a')"),
            "not supported: statements other than SELECT"
        );
        assert_eq!(
            err("select id from fake where name"),
            "not supported: WHERE condition of type STRING: 'name'"
        );
        assert!(err("select from").starts_with("cannot parse sql query"));
    }
}
