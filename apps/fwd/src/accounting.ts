/**
 * The demo's check of its own claim that every packet is accounted for: of the packets a
 * stream sent, each ended at exactly one named place, received at the far end or counted as
 * dropped somewhere on the way. An accounting holds when those counts add up to what was
 * sent; the demo prints it and fails when it does not.
 */

/** Packets that ended at one place. */
export interface AccountingTerm {
  readonly count: number;
  /** Where they ended, e.g. "received by the sink" or "dropped on the veth into nic-fwd". */
  readonly where: string;
}

/** A stream's packets: how many were sent and where they ended. */
export interface Accounting {
  readonly sent: number;
  readonly terms: readonly AccountingTerm[];
}

/** How many packets the terms of `accounting` place. */
export function accounted(accounting: Accounting): number {
  return accounting.terms.reduce((sum, term) => sum + term.count, 0);
}

/** Whether the terms place exactly the packets sent: none unaccounted for, none counted twice. */
export function accountingHolds(accounting: Accounting): boolean {
  return accounted(accounting) === accounting.sent;
}

/**
 * One line: `sent N = A where + B where ...: holds`, or, when the counts do not add up,
 * `... = M: does NOT hold (K unaccounted for)` (K negative when more were counted than sent).
 */
export function formatAccounting(accounting: Accounting): string {
  const terms = accounting.terms.map((t) => `${t.count} ${t.where}`).join(' + ');
  const total = accounted(accounting);
  const verdict = total === accounting.sent ? ': holds' : ` = ${total}: does NOT hold (${accounting.sent - total} unaccounted for)`;
  return `sent ${accounting.sent} = ${terms}${verdict}`;
}
