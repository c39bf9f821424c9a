/** Ctrl/Cmd+K: search actions, kinds and nodes; arrows move, Enter runs, Esc closes. */
import { useEffect, useMemo, useRef, useState } from "react";

export interface Command {
  id: string;
  label: string;
  group: string;
  hint?: string;
  run(): void;
}

export function CommandPalette({ commands, onClose }: { commands: Command[]; onClose(): void }) {
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  const list = useRef<HTMLUListElement>(null);
  const matches = useMemo(() => {
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    return commands.filter((command) => {
      const haystack = `${command.group} ${command.label} ${command.hint ?? ""}`.toLowerCase();
      return words.every((word) => haystack.includes(word));
    }).slice(0, 50);
  }, [commands, query]);

  useEffect(() => input.current?.focus(), []);
  useEffect(() => setActive(0), [query]);
  useEffect(() => {
    list.current?.querySelector(`[data-index="${active}"]`)?.scrollIntoView({ block: "nearest" });
  }, [active]);

  const choose = (command: Command | undefined) => {
    if (!command) return;
    onClose();
    command.run();
  };

  return (
    <div className="overlay" onMouseDown={onClose}>
      <div className="command-palette" role="dialog" aria-modal="true" aria-label="Command palette" onMouseDown={(event) => event.stopPropagation()}>
        <input ref={input} value={query} placeholder="Add a resource, run an action, jump to a node…"
          aria-label="Search commands" role="combobox" aria-expanded="true" aria-controls="command-list"
          aria-activedescendant={matches[active] ? `command-${matches[active].id}` : undefined}
          onChange={(event) => setQuery(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === "ArrowDown") { event.preventDefault(); setActive((i) => Math.min(i + 1, matches.length - 1)); }
            else if (event.key === "ArrowUp") { event.preventDefault(); setActive((i) => Math.max(i - 1, 0)); }
            else if (event.key === "Enter") { event.preventDefault(); choose(matches[active]); }
            else if (event.key === "Escape") { event.preventDefault(); onClose(); }
          }} />
        <ul id="command-list" role="listbox" ref={list} aria-label="Commands">
          {matches.length === 0 && <li className="empty">No matches</li>}
          {matches.map((command, index) => (
            <li key={command.id} id={`command-${command.id}`} role="option" aria-selected={index === active} data-index={index}
              className={index === active ? "active" : ""} onMouseEnter={() => setActive(index)} onClick={() => choose(command)}>
              <span className="group">{command.group}</span>
              <span className="label">{command.label}</span>
              {command.hint && <kbd>{command.hint}</kbd>}
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}
