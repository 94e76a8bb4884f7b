/**
 * Describes a database schema in one comparable shape, twice: as the Prisma data model says it
 * should be (from Prisma's own DMMF, via @prisma/prisma-schema-wasm), and as PostgreSQL actually
 * has it after the migrations ran (from pg_catalog). The drift test compares the two.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import pg from "pg";

export interface ColumnShape {
  type: string;
  notNull: boolean;
  default: string | null;
}
export interface IndexShape {
  table: string;
  columns: string[];
  unique: boolean;
  primary: boolean;
}
export interface ForeignKeyShape {
  table: string;
  columns: string[];
  references: string;
  referencedColumns: string[];
  onDelete: string;
  onUpdate: string;
}
export interface SchemaShape {
  /** "schema.enum" → values in order */
  enums: Record<string, string[]>;
  /** "schema.table" → column → shape */
  tables: Record<string, Record<string, ColumnShape>>;
  /** index name → shape (names include the schema: "core.account_pkey") */
  indexes: Record<string, IndexShape>;
  /** constraint name → shape */
  foreignKeys: Record<string, ForeignKeyShape>;
}

interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: "scalar" | "object" | "enum" | "unsupported";
  isList: boolean;
  isRequired: boolean;
  isId: boolean;
  isUnique: boolean;
  isUpdatedAt: boolean;
  type: string;
  nativeType?: [string, string[]] | null;
  default?: unknown;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
  relationOnUpdate?: string;
}
interface DmmfModel {
  name: string;
  dbName: string | null;
  schema: string | null;
  fields: DmmfField[];
  primaryKey: { name: string | null; fields: string[] } | null;
}
interface DmmfIndex {
  model: string;
  type: "id" | "unique" | "normal" | "fulltext";
  dbName?: string | null;
  fields: Array<{ name: string }>;
}
interface DmmfEnum {
  name: string;
  dbName: string | null;
  schema?: string | null;
  values: Array<{ name: string; dbName: string | null }>;
}
interface Datamodel {
  models: DmmfModel[];
  enums: DmmfEnum[];
  indexes: DmmfIndex[];
}

/** Prisma's DMMF datamodel of a schema file. */
export function loadDatamodel(schemaFile: string): Datamodel {
  const require = createRequire(import.meta.url);
  const wasm = require("@prisma/prisma-schema-wasm") as { get_dmmf(params: string): string };
  const schema = readFileSync(schemaFile, "utf8");
  const dmmf = JSON.parse(
    wasm.get_dmmf(JSON.stringify({ prismaSchema: [["schema.prisma", schema]] })),
  );
  const datamodel = dmmf.datamodel as Datamodel;
  // The DMMF leaves out an enum's @@schema; read it from the source.
  for (const match of schema.matchAll(/^enum\s+(\w+)\s*\{([^}]*)\}/gm)) {
    const schemaName = /@@schema\("([^"]+)"\)/.exec(match[2] ?? "")?.[1];
    const enumDef = datamodel.enums.find((e) => e.name === match[1]);
    if (enumDef && schemaName) enumDef.schema = schemaName;
  }
  return datamodel;
}

const SCALAR_TYPES: Record<string, string> = {
  String: "text",
  Int: "integer",
  BigInt: "bigint",
  Float: "double precision",
  Boolean: "boolean",
  DateTime: "timestamp(3) without time zone",
  Decimal: "numeric(65,30)",
  Json: "jsonb",
  Bytes: "bytea",
};

function nativeTypeName([name, args]: [string, string[]]): string {
  switch (name) {
    case "Uuid":
      return "uuid";
    case "Text":
      return "text";
    case "Date":
      return "date";
    case "JsonB":
      return "jsonb";
    case "Json":
      return "json";
    case "Char":
      return `character(${args[0] ?? 1})`;
    case "VarChar":
      return args.length ? `character varying(${args[0]})` : "character varying";
    case "Decimal":
      return `numeric(${args.join(",")})`;
    case "Timestamptz":
      return `timestamp(${args[0] ?? 6}) with time zone`;
    case "Timestamp":
      return `timestamp(${args[0] ?? 6}) without time zone`;
    case "SmallInt":
      return "smallint";
    case "Integer":
      return "integer";
    case "BigInt":
      return "bigint";
    default:
      throw new Error(`schema-model: native type @db.${name} is not mapped yet; add it here`);
  }
}

const column = (field: DmmfField) => field.dbName ?? field.name;

function expectedDefault(
  field: DmmfField,
  enumsByName: Map<string, DmmfEnum>,
  defaultSchema: string,
) {
  const value = field.default;
  // @updatedAt alone has no database default; with @default(now()) Prisma writes one.
  if (value === undefined) return null;
  if (typeof value === "object" && value !== null && "name" in value) {
    const { name: fn, args } = value as { name: string; args?: unknown[] };
    if (fn === "now") return "CURRENT_TIMESTAMP";
    if (fn === "uuid" || fn === "cuid" || fn === "nanoid" || fn === "ulid") return null;
    if (fn === "autoincrement") return "autoincrement";
    if (fn === "dbgenerated") return String(args?.[0]);
    throw new Error(`schema-model: default ${fn}() is not mapped yet`);
  }
  if (field.kind === "enum") {
    const enumDef = enumsByName.get(field.type)!;
    return `'${value}'::${enumDef.schema ?? defaultSchema}.${enumDef.dbName ?? enumDef.name}`;
  }
  if (typeof value === "string") return `'${value}'::${field.type === "Json" ? "jsonb" : "text"}`;
  if (typeof value === "boolean" || typeof value === "number") return String(value);
  throw new Error(`schema-model: default ${JSON.stringify(value)} is not mapped yet`);
}

/** The schema as the Prisma data model describes it, with Prisma's naming conventions. */
export function expectedShape(datamodel: Datamodel, defaultSchema = "public"): SchemaShape {
  const shape: SchemaShape = { enums: {}, tables: {}, indexes: {}, foreignKeys: {} };
  const enumsByName = new Map(datamodel.enums.map((e) => [e.name, e]));
  const modelsByName = new Map(datamodel.models.map((m) => [m.name, m]));
  for (const e of datamodel.enums) {
    shape.enums[`${e.schema ?? defaultSchema}.${e.dbName ?? e.name}`] = e.values.map(
      (v) => v.dbName ?? v.name,
    );
  }
  const tableOf = (model: DmmfModel) => model.dbName ?? model.name;
  const schemaOf = (model: DmmfModel) => model.schema ?? defaultSchema;
  const columnsOf = (model: DmmfModel, names: string[]) =>
    names.map((name) => column(model.fields.find((f) => f.name === name)!));

  for (const model of datamodel.models) {
    const table = tableOf(model);
    const schema = schemaOf(model);
    const columns: Record<string, ColumnShape> = {};
    for (const field of model.fields) {
      if (field.kind === "object") {
        if (field.relationFromFields?.length) {
          const target = modelsByName.get(field.type)!;
          const from = columnsOf(model, field.relationFromFields);
          const required = field.relationFromFields.every(
            (name) => model.fields.find((f) => f.name === name)!.isRequired,
          );
          shape.foreignKeys[`${schema}.${table}_${from.join("_")}_fkey`] = {
            table: `${schema}.${table}`,
            columns: from,
            references: `${schemaOf(target)}.${tableOf(target)}`,
            referencedColumns: columnsOf(target, field.relationToFields ?? []),
            onDelete: field.relationOnDelete ?? (required ? "Restrict" : "SetNull"),
            onUpdate: field.relationOnUpdate ?? "Cascade",
          };
        }
        continue;
      }
      let type: string;
      if (field.kind === "enum") {
        const enumDef = enumsByName.get(field.type)!;
        type = `${enumDef.schema ?? defaultSchema}.${enumDef.dbName ?? enumDef.name}`;
      } else {
        type = field.nativeType ? nativeTypeName(field.nativeType) : SCALAR_TYPES[field.type]!;
      }
      if (field.isList) type += "[]";
      columns[column(field)] = {
        type,
        notNull: field.isRequired && !field.isList,
        default: expectedDefault(field, enumsByName, defaultSchema),
      };
    }
    shape.tables[`${schema}.${table}`] = columns;
  }
  for (const index of datamodel.indexes) {
    const model = modelsByName.get(index.model)!;
    const table = tableOf(model);
    const schema = schemaOf(model);
    const columns = columnsOf(
      model,
      index.fields.map((f) => f.name),
    );
    const suffix = index.type === "id" ? "pkey" : index.type === "unique" ? "key" : "idx";
    const name =
      index.dbName ??
      (index.type === "id" ? `${table}_pkey` : `${table}_${columns.join("_")}_${suffix}`);
    shape.indexes[`${schema}.${name}`] = {
      table: `${schema}.${table}`,
      columns,
      unique: index.type !== "normal",
      primary: index.type === "id",
    };
  }
  return shape;
}

const ACTIONS: Record<string, string> = {
  a: "NoAction",
  r: "Restrict",
  c: "Cascade",
  n: "SetNull",
  d: "SetDefault",
};

/** The schema as PostgreSQL has it, for the given Postgres schemas. */
export async function actualShape(databaseUrl: string, schemas: string[]): Promise<SchemaShape> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const shape: SchemaShape = { enums: {}, tables: {}, indexes: {}, foreignKeys: {} };
    const enums = await client.query<{ name: string; values: string[] }>(
      `SELECT n.nspname || '.' || t.typname AS name,
              array_agg(e.enumlabel ORDER BY e.enumsortorder)::text[] AS values
       FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
       WHERE n.nspname = ANY($1) GROUP BY 1`,
      [schemas],
    );
    for (const row of enums.rows) shape.enums[row.name] = row.values;

    const columns = await client.query<{
      table: string;
      column: string;
      type: string;
      not_null: boolean;
      default: string | null;
    }>(
      `SELECT n.nspname || '.' || c.relname AS table, a.attname AS column,
              format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
              pg_get_expr(d.adbin, d.adrelid) AS default
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
       WHERE c.relkind = 'r' AND n.nspname = ANY($1)`,
      [schemas],
    );
    // format_type omits the schema for types on the search path; qualify them all.
    const enumNames = new Set(Object.keys(shape.enums).map((name) => name.split(".")[1]));
    for (const row of columns.rows) {
      let type = row.type;
      const base = type.replace(/\[\]$/, "").replace(/"/g, "");
      if (!base.includes(".") && enumNames.has(base)) {
        const qualified = Object.keys(shape.enums).find((name) => name.endsWith(`.${base}`))!;
        type = type.endsWith("[]") ? `${qualified}[]` : qualified;
      } else {
        type = type.replace(/"/g, "");
      }
      const table = (shape.tables[row.table] ??= {});
      table[row.column] = {
        type,
        notNull: row.not_null,
        default: row.default?.startsWith("nextval(")
          ? "autoincrement"
          : (row.default?.replace(/"/g, "") ?? null),
      };
    }

    const indexes = await client.query<{
      name: string;
      table: string;
      columns: string[];
      unique: boolean;
      primary: boolean;
    }>(
      `SELECT n.nspname || '.' || ic.relname AS name, n.nspname || '.' || tc.relname AS table,
              array(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                    ORDER BY k.ord)::text[] AS columns,
              i.indisunique AS unique, i.indisprimary AS primary
       FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class tc ON tc.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = tc.relnamespace WHERE n.nspname = ANY($1)`,
      [schemas],
    );
    for (const row of indexes.rows) {
      shape.indexes[row.name] = {
        table: row.table,
        columns: row.columns,
        unique: row.unique,
        primary: row.primary,
      };
    }

    const fks = await client.query<{
      name: string;
      table: string;
      columns: string[];
      references: string;
      referenced_columns: string[];
      on_delete: string;
      on_update: string;
    }>(
      `SELECT n.nspname || '.' || con.conname AS name, n.nspname || '.' || c.relname AS table,
              array(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS columns,
              rn.nspname || '.' || rc.relname AS references,
              array(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS referenced_columns,
              con.confdeltype AS on_delete, con.confupdtype AS on_update
       FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_class rc ON rc.oid = con.confrelid JOIN pg_namespace rn ON rn.oid = rc.relnamespace
       WHERE con.contype = 'f' AND n.nspname = ANY($1)`,
      [schemas],
    );
    for (const row of fks.rows) {
      shape.foreignKeys[row.name] = {
        table: row.table,
        columns: row.columns,
        references: row.references,
        referencedColumns: row.referenced_columns,
        onDelete: ACTIONS[row.on_delete] ?? row.on_delete,
        onUpdate: ACTIONS[row.on_update] ?? row.on_update,
      };
    }
    return shape;
  } finally {
    await client.end();
  }
}

/** Human-readable differences between two shapes; empty when they match. */
export function diffShapes(expected: SchemaShape, actual: SchemaShape): string[] {
  const problems: string[] = [];
  const compare = <T>(kind: string, want: Record<string, T>, have: Record<string, T>) => {
    for (const key of Object.keys(want)) {
      if (!(key in have))
        problems.push(`${kind} ${key} is in the Prisma schema but not in the database`);
      else if (JSON.stringify(want[key]) !== JSON.stringify(have[key])) {
        problems.push(
          `${kind} ${key} differs: schema ${JSON.stringify(want[key])}, database ${JSON.stringify(have[key])}`,
        );
      }
    }
    for (const key of Object.keys(have)) {
      if (!(key in want))
        problems.push(`${kind} ${key} is in the database but not in the Prisma schema`);
    }
  };
  compare("enum", expected.enums, actual.enums);
  for (const table of new Set([...Object.keys(expected.tables), ...Object.keys(actual.tables)])) {
    if (!expected.tables[table])
      problems.push(`table ${table} is in the database but not in the Prisma schema`);
    else if (!actual.tables[table])
      problems.push(`table ${table} is in the Prisma schema but not in the database`);
    else compare(`column ${table}.`, expected.tables[table], actual.tables[table]);
  }
  compare("index", expected.indexes, actual.indexes);
  compare("foreign key", expected.foreignKeys, actual.foreignKeys);
  return problems;
}
