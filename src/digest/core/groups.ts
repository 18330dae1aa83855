// The hot path of a digest, in AssemblyScript compiled to WebAssembly (see build.mjs), and
// its entry points for JavaScript (groupTable.ts). Its parts:
// - arena.ts: the layout of a group's record (the contract with JavaScript), and memory;
// - table.ts: the hash table of groups, which records are added to;
// - scan.ts: a scanner that reads plain record lines straight into the table;
// - sort.ts: the groups in key order, a chunk of the table at a time;
// - lines.ts: groups written as lines of text;
// - merge.ts: sorted chunks and runs merged, and the records of a run.
export { ABSENT, allocate, BYTES, CHUNK, END, FLAGS, FOLLOWS, IN_BIG, KEY, KEY_LENGTH, PACKETS, release, START, WORD } from './arena'
export { add, arena, clear, earliest, full, init, latest, merge, reserveKey, setLimit, size, span, used } from './table'
export { lines, reserveText, scan, useLayout } from './scan'
export { listed, listEnd, reorder, sorted } from './sort'
export { lineRoom, write, writeRun, written } from './lines'
export { feed, mergeLists, mergeStep, pack, startMerge } from './merge'
