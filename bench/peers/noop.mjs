// The peers' no-op task (Piscina and Tinypool load a module's default export): the same
// "do nothing, return null" as Corelane's `noop` kind, so only pool overhead is measured.
export default function noop() {
  return null
}
