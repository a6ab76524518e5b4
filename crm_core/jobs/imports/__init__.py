"""Import of contacts and companies from CSV or XLSX.

The pipeline, one module a step:
1. `upload`: the file is stored and its header and first rows read (`files`: CSV in any
   common encoding and delimiter, or XLSX, read by a worker), the columns mapped to `fields`;
2. `staging`: the dry run reads every row, validates and normalises it (`cells`: per-row
   errors name the row number, the column and what is wrong, gathered in `problems`) and
   streams the valid ones with COPY into the job's own unlogged table in the tenant's schema
   (`import_rows_<job id>`), which it commits;
3. `duplicates`: duplicates are found in SQL, in one hash join against the existing records
   (normalised emails and phones for contacts, tax id or name for companies), and within the
   file; the companies the contacts name are found or (on import) created;
4. `run`: the dry run stops there and rolls back what step 3 marked; the import starts from
   the rows the dry run kept (it reads the file again only if they are gone: a crash of the
   database server empties an unlogged table), finds the duplicates again against what the
   database holds now and inserts the kept rows (`writer`, shared with a second connection
   when large), all in one transaction;
5. `undo` takes a whole import back; `recovery` returns jobs whose worker died to where
   they can start again; `progress` tells the job's page and its starter.

So an import writes everything or nothing, and every record it made carries the import, which
is how the whole import is undone.
"""

from crm_core.jobs.imports.fields import ImportRowError, fields_for, mapping_guess
from crm_core.jobs.imports.problems import report_path
from crm_core.jobs.imports.progress import import_progress
from crm_core.jobs.imports.recovery import BEFORE_STEP, import_not_queued, imports_recover
from crm_core.jobs.imports.run import import_check, import_run, import_start
from crm_core.jobs.imports.staging import imports_purge
from crm_core.jobs.imports.undo import import_undo, import_undo_start
from crm_core.jobs.imports.upload import import_mapping_set, import_read, import_upload

__all__ = [
    "BEFORE_STEP",
    "ImportRowError",
    "fields_for",
    "import_check",
    "import_mapping_set",
    "import_not_queued",
    "import_progress",
    "import_read",
    "import_run",
    "import_start",
    "import_undo",
    "import_undo_start",
    "import_upload",
    "imports_purge",
    "imports_recover",
    "mapping_guess",
    "report_path",
]
