/**
 * Livelocks as strongly connected components (Tarjan, SIAM J. Comput. 1972), found on the fly
 * by the depth-first search of frontier.ts.
 *
 * Fairness is weak and per *agent*: a hart running its task, a task switched in on a hart, an
 * interrupt, an IPI (agentOf: the token without its fetch view). An agent enabled from some
 * point on moves infinitely often, by any of its transitions: which view a fetch takes is the
 * hardware's choice, not an agent's, so a hart may fetch a stale view forever (base) or the
 * latest forever. Under a fetch model whose writes become visible to fetches eventually
 * (ziccid, FetchModel.eventual) a cycle that fetches a stale view repeats it forever, which the
 * model rules out: only latest-view edges move an agent then. (The first version of this file
 * judged every token on its own, as if each stale view were bound to be taken in the end: under
 * base it lost the livelock of a hart that spins on the latest code, which `latest` reports.)
 *
 * An execution that runs forever ends in one component of the state graph. A component holds a
 * fair one exactly when every agent enabled in all of its states is moved by one of its own
 * edges: the execution that walks all of its edges forever is then fair, and when it is not,
 * no execution inside it is (fewer states enable no fewer agents always; fewer edges move no
 * more). With eventual fetches this is necessary only: the walk that shows it must keep to
 * latest-view edges (frontier.ts lasso), and a component whose walk cannot is not judged. Judging only the cycles a search closes on its current path, as
 * ftrace-race did before, is weaker: two harts each spinning on a flag nobody sets make a state
 * with two loops back to itself, each unfair alone (the other hart never moves) — the fair
 * execution alternates them and is no simple cycle, so neither search saw it (docs/semantics.md,
 * "Livelocks").
 *
 * The graph searched is one of instances: a state entered again (reached more cheaply, or by the
 * naive search, which keeps no visited set) is a new node with the same edges, and every edge
 * pruned by the visited set leads to the state's latest instance. Each instance has one edge per
 * transition of its state, so an infinite execution of the machine lifts to one of the instances
 * and back: the components of the instance graph judge the same executions.
 */
import type { Transition } from '../model/model.js';

/** The agent a transition moves: its token without the fetch view (model/token.ts). */
export function agentOf(token: string): string {
  const i = token.indexOf('/');
  return i < 0 ? token : token.slice(0, i);
}

/** A transition that fetches an older view than the latest (`/n`). */
export function staleView(token: string): boolean {
  return token.includes('/');
}

/**
 * The fairness rule, shared by the search (Components.close) and replay: the agents enabled in
 * every one of some states (`enabled`: each state's transition tokens) that none of the tokens
 * `taken` among them moves (`eventual`: a stale view moves nothing). Empty: fair.
 */
export function owedAgents(enabled: readonly (readonly string[])[], taken: Iterable<string>, eventual: boolean): string[] {
  const moved = new Set<string>();
  for (const t of taken) if (!eventual || !staleView(t)) moved.add(agentOf(t));
  let always = new Set(enabled[0].map(agentOf));
  for (const tokens of enabled.slice(1)) {
    if (always.size === 0) break;
    const here = new Set(tokens.map(agentOf));
    always = new Set([...always].filter((a) => here.has(a)));
  }
  return [...always].filter((a) => !moved.has(a));
}

/** One instance of a state in the search: Tarjan's index and lowlink, and what the judgement reads. */
export interface SccNode {
  index: number;
  low: number;
  /** The visited set's key (a reduced search looks pruned edges up by it), if kept in the table. */
  key?: string;
  /** Its exact name (Model.exact; the fingerprint without symmetry), where key may be its class: none for a state passed through. */
  exact?: string;
  /** Every transition enabled in the state (by token): taken or not by the search. */
  trans: readonly Pick<Transition, 'token'>[];
  /** Tokens of its edges known to stay inside its component. */
  taken: Set<string> | null;
  /** An edge inside its component leads to a permuted image of a state (symmetric search). */
  permuted: boolean;
  /** A state of a part's prefix (explore/partition.ts): its other edges belong to other parts. */
  prefix: boolean;
}

/** A component with an edge inside it, complete when its root's frame is popped. */
export interface Component {
  states: number;
  /** Every agent enabled in all its states is moved by one of its edges (agentOf). */
  fair: boolean;
  /** Some edge inside it leads to a permuted image: the tokens do not compare as they are. */
  permuted: boolean;
  /** It holds a state of a part's prefix, whose edges this search did not all see. */
  prefix: boolean;
  /** The exact names of its states (a livelock's witness walks among them: frontier.ts lasso). */
  names: Set<string>;
  /** Its states (a part judges the edges of its prefix's states it did not search: frontier.ts). */
  members: SccNode[];
  /** The agents enabled in all its states that none of its edges moves (empty: fair). */
  owed: string[];
}

/** A node as a checkpoint keeps it: `mapped`, whether the table still finds it by its key. */
export interface SccNodeState {
  index: number;
  low: number;
  key?: string;
  exact?: string;
  trans: string[];
  taken: string[];
  permuted?: boolean;
  prefix?: boolean;
  mapped: boolean;
}

export interface SccState {
  next: number;
  nodes: SccNodeState[];
}

export class Components {
  /** `eventual`: only latest-view edges move an agent (FetchModel.eventual). */
  constructor(private readonly eventual = false) {}

  private next = 0;
  private readonly stack: SccNode[] = [];
  /** The latest instance of each key still on the stack. */
  private readonly byKey = new Map<string, SccNode>();

  /** A new instance, on the stack until its component is complete. */
  open(trans: readonly Pick<Transition, 'token'>[], key: string | undefined, exact: string | undefined, prefix = false): SccNode {
    const n: SccNode = { index: this.next, low: this.next, key, exact, trans, taken: null, permuted: false, prefix };
    this.next++;
    this.stack.push(n);
    if (key !== undefined) this.byKey.set(key, n);
    return n;
  }

  /** The latest instance of a state pruned by the visited set, if its component is not complete. */
  find(key: string): SccNode | undefined {
    return this.byKey.get(key);
  }

  /** An edge u -> v by `token` to an instance still on the stack: both are in one component. */
  edge(u: SccNode, v: SccNode, token: string, permuted: boolean): void {
    if (v.index < u.low) u.low = v.index;
    (u.taken ??= new Set()).add(token);
    if (permuted) u.permuted = true;
  }

  /**
   * The frame of u is popped (everything below it searched). When u is its component's root
   * the component is taken off the stack and returned if it has an edge inside it; otherwise u
   * stays, and its parent (reached from by `token`) is in its component.
   */
  close(u: SccNode, parent: SccNode | undefined, token: string | undefined): Component | null {
    if (u.low < u.index) {
      if (parent) {
        if (u.low < parent.low) parent.low = u.low;
        (parent.taken ??= new Set()).add(token!);
      }
      return null;
    }
    let i = this.stack.length - 1;
    while (this.stack[i] !== u) i--;
    const members = this.stack.splice(i);
    for (const n of members) if (n.key !== undefined && this.byKey.get(n.key) === n) this.byKey.delete(n.key);
    if (!members.some((n) => n.taken !== null)) return null;
    let permuted = false, prefix = false;
    const names = new Set<string>();
    for (const n of members) {
      if (n.exact !== undefined) names.add(n.exact);
      permuted ||= n.permuted;
      prefix ||= n.prefix;
    }
    const owed = owedAgents(members.map((n) => n.trans.map((t) => t.token)), members.flatMap((n) => [...(n.taken ?? [])]), this.eventual);
    return { states: members.length, fair: owed.length === 0, permuted, prefix, names, members, owed };
  }

  /** The stack as plain data (a checkpoint); `ids` gives each live node's position in it. */
  export(): { state: SccState; ids: Map<SccNode, number> } {
    const ids = new Map<SccNode, number>();
    const nodes = this.stack.map((n, i) => {
      ids.set(n, i);
      return {
        index: n.index,
        low: n.low,
        ...(n.key !== undefined ? { key: n.key } : {}),
        ...(n.exact !== undefined ? { exact: n.exact } : {}),
        trans: n.trans.map((t) => t.token),
        taken: n.taken ? [...n.taken] : [],
        ...(n.permuted ? { permuted: true } : {}),
        ...(n.prefix ? { prefix: true } : {}),
        mapped: n.key !== undefined && this.byKey.get(n.key) === n,
      };
    });
    return { state: { next: this.next, nodes }, ids };
  }

  /** The stack of a checkpoint; its nodes by position, for the frames that hold them. */
  restore(s: SccState): SccNode[] {
    this.next = s.next;
    const out: SccNode[] = [];
    for (const d of s.nodes) {
      const n: SccNode = { index: d.index, low: d.low, key: d.key, exact: d.exact, trans: d.trans.map((token) => ({ token })), taken: d.taken.length ? new Set(d.taken) : null, permuted: !!d.permuted, prefix: !!d.prefix };
      this.stack.push(n);
      if (d.mapped && d.key !== undefined) this.byKey.set(d.key, n);
      out.push(n);
    }
    return out;
  }
}
