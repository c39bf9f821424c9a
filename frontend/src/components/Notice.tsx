export function Notice({ kind = "info", children }: { kind?: "info" | "error" | "warn"; children: React.ReactNode }) {
  return <p className={`notice notice-${kind}`} role={kind === "error" ? "alert" : "status"}>{children}</p>;
}
