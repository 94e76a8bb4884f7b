import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { z } from "zod";
import { api } from "../../../_trpc/server";
import { ConnectionActions, STATUS_LABEL, consentText } from "../_components/connection-card";
import { ConnectionProgress } from "../_components/connection-progress";
import { ProviderBadge } from "../_components/provider-badge";
import styles from "../connections.module.css";

export const metadata: Metadata = { title: "Connection" };

const NOTICES: Record<string, string> = {
  linked: "Your bank is linked. Its accounts are being read now.",
  renewed: "The consent was renewed; your accounts, their history and categories are kept.",
  rejected: "The bank did not grant access.",
  pending: "The bank has not finished yet. This page updates when it does.",
};

export default async function ConnectionPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const [{ id }, query] = await Promise.all([params, searchParams]);
  if (!z.uuid().safeParse(id).success) notFound();
  const connection = await (await api()).connections.byId({ id }).catch((error: unknown) => {
    if ((error as { code?: string }).code === "NOT_FOUND") return null;
    throw error;
  });
  if (!connection) notFound();
  const notice = Object.keys(NOTICES).find((key) => query[key] !== undefined);
  const consent = consentText(connection);
  return (
    <>
      <div className="page-header">
        <p>
          <Link href="/connections">← Connections</Link>
        </p>
        <h1>{connection.institution.name}</h1>
        <p>
          <span className={styles.status} data-status={connection.status}>
            {STATUS_LABEL[connection.status]}
          </span>{" "}
          <ProviderBadge provider={connection.provider} /> {consent}
        </p>
      </div>
      {notice ? (
        <p className={styles.notice} role="status">
          {NOTICES[notice]}
        </p>
      ) : null}
      {connection.lastError && connection.status !== "LINKED" ? (
        <p className={styles.reason} role="alert">
          {connection.status === "REJECTED" ? "The bank said: " : ""}
          {connection.lastError}
        </p>
      ) : null}
      <ConnectionProgress initial={connection} />
      <ConnectionActions connection={connection} />
    </>
  );
}
