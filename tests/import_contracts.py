"""Two contract types of our own for import-linter (`make lint`), beside its built-in layers:

- `acyclic_modules`: no module reaches itself through imports, whether they stand at the top of
  a file or inside a function (grimp reads both), so no circle can hide behind a late import;
- `domain_entry_points`: a CRM domain (`crm_core.<domain>`) never imports the entry points of
  another (its views, API, URLs, tasks or consumers); it uses the other's models, services,
  selectors and the helpers the other publishes for screens.
"""

from __future__ import annotations

from grimp import ImportGraph
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


def _strongly_connected(graph: ImportGraph, modules: set[str]) -> list[list[str]]:
    """Tarjan's algorithm, iterative: the groups of modules that import each other in a circle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0
    edges = {m: sorted(graph.find_modules_directly_imported_by(m) & modules) for m in modules}
    for root in sorted(modules):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, position = work.pop()
            if position == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            for offset, target in enumerate(edges[node][position:], start=position):
                if target not in index:
                    work.append((node, offset + 1))
                    work.append((target, 0))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
    return groups


class AcyclicModulesContract(Contract):
    type_name = "acyclic_modules"

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        circles = _strongly_connected(graph, set(graph.modules))
        details = []
        for circle in circles:
            members = set(circle)
            details.append(
                [
                    f"{importer} -> {imported} (l. {line['line_number']})"
                    for importer in circle
                    for imported in sorted(graph.find_modules_directly_imported_by(importer))
                    if imported in members
                    for line in graph.get_import_details(importer=importer, imported=imported)[:1]
                ]
            )
        return ContractCheck(kept=not circles, warnings=[], metadata={"circles": details})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for circle in check.metadata["circles"]:
            output.print_error("These modules import each other in a circle:")
            for edge in circle:
                output.print_error(f"-   {edge}", bold=False)
            output.new_line()


class DomainEntryPointsContract(Contract):
    type_name = "domain_entry_points"

    container = fields.StringField()
    entry_points = fields.SetField(subfield=fields.StringField())

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        container = str(self.container)
        depth = container.count(".") + 1
        private = {str(name) for name in self.entry_points}  # type: ignore[attr-defined]
        broken = []
        for importer in sorted(graph.find_descendants(container)):
            domain = importer.split(".")[depth]
            if not graph.find_children(f"{container}.{domain}"):
                continue  # a module of the container itself (its urls, routing) joins the domains
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                parts = imported.split(".")
                if (
                    imported.startswith(container + ".")
                    and len(parts) > depth + 1
                    and parts[depth] != domain
                    and parts[depth + 1] in private
                ):
                    broken.append(f"{importer} -> {imported}")
        return ContractCheck(kept=not broken, warnings=[], metadata={"broken": broken})

    def render_broken_contract(self, check: ContractCheck) -> None:
        output.print_error("A domain imports another domain's entry point:")
        for edge in check.metadata["broken"]:
            output.print_error(f"-   {edge}", bold=False)
        output.new_line()
