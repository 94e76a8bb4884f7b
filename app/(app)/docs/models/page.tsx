import type { Metadata } from "next";
import { modelCatalogue, type CatalogueEntry, type CatalogueKind } from "@/analytics/catalogue";
import styles from "./models.module.css";

export const metadata: Metadata = { title: "Analytics models" };

const KIND_HEADING: Record<CatalogueKind, { title: string; text: string }> = {
  source: {
    title: "Sources",
    text: "Tables the server sends to your browser (as Arrow) from the standardised core tables.",
  },
  seed: { title: "Seeds", text: "Data tables kept with the models, such as the category rules." },
  staging: { title: "Staging", text: "Typed and cleaned: one row per entity." },
  intermediate: { title: "Intermediate", text: "Building blocks shared by several marts." },
  mart: { title: "Marts", text: "What the Insights charts query." },
};

const KINDS: CatalogueKind[] = ["source", "seed", "staging", "intermediate", "mart"];

function Lineage({ label, names }: { label: string; names: string[] }) {
  if (names.length === 0) return null;
  return (
    <p className={styles.lineage}>
      {label}:{" "}
      {names.map((name, index) => (
        <span key={name}>
          {index > 0 ? ", " : ""}
          <a href={`#${name}`}>{name}</a>
        </span>
      ))}
    </p>
  );
}

function Entry({ entry }: { entry: CatalogueEntry }) {
  return (
    <article id={entry.name} className={styles.entry} aria-labelledby={`${entry.name}-title`}>
      <h3 id={`${entry.name}-title`} className={styles.name}>
        {entry.name}
      </h3>
      <p className={styles.path}>analytics/{entry.path}</p>
      <p>{entry.description}</p>
      <Lineage label="Reads" names={entry.upstream} />
      <Lineage label="Read by" names={entry.downstream} />
      {entry.tests.length > 0 ? (
        <p className={styles.lineage}>Tests: {entry.tests.join("; ")}</p>
      ) : null}
      <details className={styles.columns}>
        <summary>
          {entry.columns.length} {entry.columns.length === 1 ? "column" : "columns"}
        </summary>
        <div className={styles.tableWrap}>
          <table>
            <caption className="visually-hidden">Columns of {entry.name}</caption>
            <thead>
              <tr>
                <th scope="col">Column</th>
                <th scope="col">Type</th>
                <th scope="col">Description</th>
                <th scope="col">Tests</th>
              </tr>
            </thead>
            <tbody>
              {entry.columns.map((column) => (
                <tr key={column.name}>
                  <td className={styles.mono}>{column.name}</td>
                  <td className={styles.mono}>{column.type}</td>
                  <td>{column.description}</td>
                  <td className={styles.mono}>{column.tests.join(", ")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </article>
  );
}

/** Every analytics model with its columns, description and lineage, from the model files. */
export default function ModelsPage() {
  const catalogue = modelCatalogue();
  return (
    <>
      <div className="page-header">
        <h1>Analytics models</h1>
        <p>
          How the Insights charts are computed: plain SQL models in <code>analytics/</code>, built
          in your browser by DuckDB from sources through staging to marts. This page is generated
          from the model files.
        </p>
      </div>
      <nav aria-label="Model layers" className={styles.toc}>
        <ul>
          {KINDS.map((kind) => (
            <li key={kind}>
              <a href={`#layer-${kind}`}>{KIND_HEADING[kind].title}</a>
            </li>
          ))}
        </ul>
      </nav>
      {KINDS.map((kind) => {
        const entries = catalogue.filter((entry) => entry.kind === kind);
        return (
          <section
            key={kind}
            id={`layer-${kind}`}
            className={styles.layer}
            aria-labelledby={`layer-${kind}-title`}
          >
            <h2 id={`layer-${kind}-title`}>{KIND_HEADING[kind].title}</h2>
            <p className={styles.layerText}>{KIND_HEADING[kind].text}</p>
            {entries.length === 0 ? (
              <p className={styles.layerText}>None.</p>
            ) : (
              entries.map((entry) => <Entry key={entry.name} entry={entry} />)
            )}
          </section>
        );
      })}
    </>
  );
}
