import type { ModelNodeResponse } from "../api/types";
import { formatNumber } from "../lib/format";

const OPEN_DEPTH = 2; // levels expanded at first

/** The module tree recorded by `run.watch`: types, parameter counts and shapes. */
export function ModelTree({ root }: { root: ModelNodeResponse }) {
  return (
    <div class="model-tree">
      <div class="muted small">
        {formatNumber(root.total_params ?? root.param_count)} parameters
        {root.trainable_params !== undefined && root.trainable_params !== root.total_params && ` (${formatNumber(root.trainable_params)} trainable)`}
      </div>
      <Node node={root} depth={0} />
    </div>
  );
}

function Node({ node, depth }: { node: ModelNodeResponse; depth: number }) {
  const label = (
    <span class="model-node">
      <span class="mono">{node.path || "(root)"}</span>
      <span class="model-type">{node.type}</span>
      {node.param_count > 0 && <span class="muted small">{formatNumber(node.param_count)}</span>}
    </span>
  );
  if (node.children.length === 0) {
    return (
      <div class="model-leaf" title={node.params.map((p) => `${p.name} ${p.dtype}[${p.shape.join("×")}]`).join("\n")}>
        {label}
        {node.params.length > 0 && (
          <span class="muted small mono model-shapes">{node.params.map((p) => `[${p.shape.join("×")}]`).join(" ")}</span>
        )}
      </div>
    );
  }
  return (
    <details open={depth < OPEN_DEPTH}>
      <summary>{label}</summary>
      <div class="model-children">
        {node.children.map((child) => (
          <Node key={child.path} node={child} depth={depth + 1} />
        ))}
      </div>
    </details>
  );
}
