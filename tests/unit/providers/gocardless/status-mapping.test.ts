import { describe, expect, it } from "vitest";
import {
  AccountStatus,
  BalanceKind,
  ConnectionStatus,
  TransactionStatus,
} from "@/generated/prisma/enums";
import {
  REQUISITION_STATUS_CODES,
  mapAccountStatus,
  mapBalanceType,
  mapRequisitionStatus,
  mapTransactionList,
} from "@/server/providers/gocardless/status-mapping";

describe("mapRequisitionStatus", () => {
  it.each([
    ["CR", ConnectionStatus.PENDING],
    ["GC", ConnectionStatus.PENDING],
    ["UA", ConnectionStatus.PENDING],
    ["RJ", ConnectionStatus.REJECTED],
    ["SA", ConnectionStatus.PENDING],
    ["GA", ConnectionStatus.PENDING],
    ["LN", ConnectionStatus.LINKED],
    ["EX", ConnectionStatus.EXPIRED],
    ["ID", ConnectionStatus.PENDING],
    ["ER", ConnectionStatus.ERROR],
    ["SU", ConnectionStatus.SUSPENDED],
  ])("maps %s to %s", (code, expected) => {
    expect(mapRequisitionStatus(code)).toBe(expected);
  });

  it("covers every documented code", () => {
    expect(REQUISITION_STATUS_CODES).toHaveLength(11);
    for (const code of REQUISITION_STATUS_CODES) {
      expect(Object.values(ConnectionStatus)).toContain(mapRequisitionStatus(code));
    }
  });

  it.each([
    ["LINKED", ConnectionStatus.LINKED],
    ["EXPIRED", ConnectionStatus.EXPIRED],
    ["REJECTED", ConnectionStatus.REJECTED],
    ["SUSPENDED", ConnectionStatus.SUSPENDED],
    ["GIVING_CONSENT", ConnectionStatus.PENDING],
    [" ln ", ConnectionStatus.LINKED],
  ])("accepts the long or untidy form %j", (code, expected) => {
    expect(mapRequisitionStatus(code)).toBe(expected);
  });

  it.each(["ZZ", "", "LINKEDISH", null, undefined])(
    "treats unknown code %j as not linked",
    (code) => {
      expect(mapRequisitionStatus(code)).toBe(ConnectionStatus.PENDING);
    },
  );
});

describe("mapAccountStatus", () => {
  it.each([
    ["DISCOVERED", AccountStatus.DISCOVERED],
    ["PROCESSING", AccountStatus.PROCESSING],
    ["READY", AccountStatus.READY],
    ["ERROR", AccountStatus.ERROR],
    ["EXPIRED", AccountStatus.EXPIRED],
    ["SUSPENDED", AccountStatus.SUSPENDED],
    ["ready", AccountStatus.READY],
  ])("maps %s", (status, expected) => {
    expect(mapAccountStatus(status)).toBe(expected);
  });

  it.each(["BLOCKED", "", null, undefined])("treats unknown %j as still processing", (status) => {
    expect(mapAccountStatus(status)).toBe(AccountStatus.PROCESSING);
  });
});

describe("mapBalanceType", () => {
  it.each([
    ["closingBooked", BalanceKind.BOOKED],
    ["interimBooked", BalanceKind.BOOKED],
    ["openingBooked", BalanceKind.BOOKED],
    ["previouslyClosedBooked", BalanceKind.BOOKED],
    ["closingCleared", BalanceKind.BOOKED],
    ["interimCleared", BalanceKind.BOOKED],
    ["openingCleared", BalanceKind.BOOKED],
    ["closingAvailable", BalanceKind.AVAILABLE],
    ["interimAvailable", BalanceKind.AVAILABLE],
    ["openingAvailable", BalanceKind.AVAILABLE],
    ["forwardAvailable", BalanceKind.AVAILABLE],
    ["expected", BalanceKind.EXPECTED],
    ["authorised", BalanceKind.EXPECTED],
    ["information", BalanceKind.OTHER],
    ["nonInvoiced", BalanceKind.OTHER],
    ["INTERIMAVAILABLE", BalanceKind.AVAILABLE],
    ["somethingNew", BalanceKind.OTHER],
  ])("maps %s to %s", (type, expected) => {
    expect(mapBalanceType(type)).toBe(expected);
  });
});

describe("mapTransactionList", () => {
  it("maps booked and pending", () => {
    expect(mapTransactionList("booked")).toBe(TransactionStatus.BOOKED);
    expect(mapTransactionList("pending")).toBe(TransactionStatus.PENDING);
  });
});
