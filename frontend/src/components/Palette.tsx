/** Sidebar of node kinds from the catalog: drag onto the canvas, or press Enter to add at the centre. */
import type { KindTemplate } from "../api/types";
import { KindIcon, kindView } from "../kinds/registry";

export const DRAG_MIME = "application/x-kubeorch-kind";

export function Palette({ kinds, onAdd, disabled }: { kinds: KindTemplate[]; onAdd(kind: string): void; disabled: boolean }) {
  const categories = [...new Set(kinds.map((kind) => kind.category))];
  return (
    <nav className="palette" aria-label="Node palette">
      <h2>Add resources</h2>
      <p className="hint">Drag onto the canvas, or focus and press Enter. <kbd>Ctrl</kbd>+<kbd>K</kbd> searches.</p>
      {categories.map((category) => (
        <section key={category}>
          <h3>{category}</h3>
          <ul>
            {kinds.filter((kind) => kind.category === category).map((kind) => (
              <li key={kind.kind}>
                <button type="button" className="palette-item" draggable={!disabled} disabled={disabled}
                  data-kind={kind.kind} title={kind.description}
                  aria-label={`Add ${kind.label}: ${kind.description}`}
                  style={{ ["--accent" as string]: kindView(kind.kind).accent }}
                  onDragStart={(event) => {
                    event.dataTransfer.setData(DRAG_MIME, kind.kind);
                    event.dataTransfer.effectAllowed = "copy";
                  }}
                  onClick={() => onAdd(kind.kind)}>
                  <KindIcon kind={kind.kind} />
                  <span>{kind.label}</span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </nav>
  );
}
