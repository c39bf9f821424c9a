import { csrfToken } from "../api/client";

function section(): "workflows" | "artifacts" {
  return window.location.pathname.startsWith("/artifacts") ? "artifacts" : "workflows";
}

export function TopBar({ children }: { children?: React.ReactNode }) {
  const app = document.getElementById("app");
  return (
    <header className="topbar">
      <a href="/" className="brand" aria-label="KubeOrch workflows">KubeOrch</a>
      <nav className="main-nav" aria-label="Main">
        <a href="/" aria-current={section() === "workflows" ? "page" : undefined}>Workflows</a>
        <a href="/artifacts/" aria-current={section() === "artifacts" ? "page" : undefined}>Artifacts</a>
      </nav>
      <div className="topbar-main">{children}</div>
      <form method="post" action={app?.dataset.logoutUrl ?? "/accounts/logout/"} className="logout">
        <input type="hidden" name="csrfmiddlewaretoken" value={csrfToken()} />
        <span className="muted small">{app?.dataset.user}</span>
        <button type="submit" className="link-button">Log out</button>
      </form>
    </header>
  );
}
