import { v7 } from "uuid";

/** Time-ordered ids keep B-tree inserts local on both databases. */
export const newId = (): string => v7();
