/** A WebAssembly kernel's text, imported as its compiled binary (see wat.shared.ts). */
declare module '*.wat' {
  const bytes: Uint8Array;
  export default bytes;
}
