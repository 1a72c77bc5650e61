"""The one Excel import/export framework of the project (schools live in Excel).

Import
    An app describes its sheet with :class:`Column` s on an :class:`Importer` subclass and writes
    ``save_row()`` by calling its services. :meth:`Importer.run` then

    1. checks the upload (size, real type: an ``.xlsx`` zip, not a renamed ``.csv``/``.xls``),
    2. finds the header row and matches headers (whitespace, full-width characters and case do not
       matter; aliases are accepted; unknown columns are ignored with a note),
    3. parses every cell of every row (:meth:`Importer.parse_row` hook for row-level checks),
    4. runs the cross-row and database checks of :meth:`Importer.validate_all` on all rows at once,
    5. only when there is no error at all, saves every row through the services in ONE transaction;
       a service ``ValidationError`` on any row rolls everything back and is reported on that row.

    All errors are collected and returned together (DESIGN.md rule 5): nothing is imported until
    the file is clean. :func:`error_workbook` gives the uploaded sheet back with an "错误" column.

Export
    :func:`export_queryset` writes any iterable of objects with :class:`ExportColumn` s in
    openpyxl's write-only mode; :func:`xlsx_response` sends bytes as a download.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import IO, Any, ClassVar

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ImproperlyConfigured, ValidationError
from django.db import IntegrityError, models, transaction
from django.http import HttpResponse
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.datavalidation import DataValidation

from . import audit

StrOrPromise = str | Promise

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Main part content types of workbooks openpyxl reads (.xlsx and .xltx).
_XLSX_MAIN_TYPES = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
)
ERROR_HEADER = gettext_lazy("错误")
MAX_COLUMNS = 100  # columns read from an uploaded sheet; more is not a list a school keeps
HEADER_SCAN_ROWS = 10  # the header may sit below a title row or two
MAX_UNCOMPRESSED_FACTOR = 20  # zip-bomb guard: uncompressed size <= factor * IMPORT_MAX_BYTES

_HEADER_FONT = Font(bold=True)
_REQUIRED_FONT = Font(bold=True, color="C00000")
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
_ERROR_FONT = Font(color="9C0006")


def _import_limits() -> tuple[int, int]:
    conf = getattr(settings, "HOUQIN", {})
    return int(conf.get("IMPORT_MAX_BYTES", 10 * 1024 * 1024)), int(conf.get("IMPORT_MAX_ROWS", 20000))


# --- cells and headers -------------------------------------------------------------------------------


def cell_text(value: Any) -> str:
    """A cell as trimmed text: ``101`` and ``101.0`` give ``"101"``, a date gives ``"2024-09-01"``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


_BRACKET_SUFFIX = re.compile(r"\([^()]*\)$")


def normalise_header(text: Any) -> str:
    """Compare headers loosely: ``" 面积（㎡）"``, ``"面积"`` and ``"*面积"`` are the same column."""
    s = unicodedata.normalize("NFKC", cell_text(text))
    s = "".join(s.split()).casefold().strip("*")
    return (_BRACKET_SUFFIX.sub("", s) or s).strip("*")


def _as_text(value: Any) -> str:
    """Strings written to a sheet are always text: a name like ``=1+1`` never becomes a formula."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def _write_cell(ws, value: Any, **style) -> WriteOnlyCell:
    if isinstance(value, str):
        value = _as_text(value)
    elif isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value).replace(tzinfo=None)  # Excel has no time zones
    elif isinstance(value, models.Model | Promise):
        value = str(value)
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    for name, style_value in style.items():
        if style_value is not None:
            setattr(cell, name, style_value)
    return cell


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _sheet_title(title: Any) -> str:
    return re.sub(r"[\[\]:*?/\\]", "", str(title))[:31] or "Sheet1"


def _messages(exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError):
        return [str(m) for m in exc.messages]
    return [str(exc)]


# --- parsers: cell value -> python value, or ValueError with a message for the user ------------------


class Text:
    """Text, trimmed; numbers are accepted (``101`` -> ``"101"``). Blank gives ``""``."""

    empty = ""

    def __init__(self, max_length: int | None = None, *, normalize: bool = False):
        self.max_length = max_length
        self.normalize = normalize  # NFKC: full-width letters and digits become plain ones

    def __call__(self, value: Any) -> str:
        text = cell_text(value)
        if self.normalize:
            text = unicodedata.normalize("NFKC", text).strip()
        if self.max_length and len(text) > self.max_length:
            raise ValueError(
                _("最多 %(max)d 个字，现在有 %(count)d 个。") % {"max": self.max_length, "count": len(text)}
            )
        return text


class PersonName(Text):
    """A person's name: ``"王  芳"`` (padded to line up in a list) becomes ``"王芳"``."""

    _CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")

    def __call__(self, value: Any) -> str:
        return super().__call__(self._CJK_GAP.sub("", cell_text(value)))


def _number_text(value: Any) -> str:
    return unicodedata.normalize("NFKC", cell_text(value)).replace(",", "").strip()


class Integer:
    empty = None

    def __init__(self, min_value: int | None = None, max_value: int | None = None):
        self.min_value = min_value
        self.max_value = max_value

    def __call__(self, value: Any) -> int:
        if isinstance(value, bool):
            raise ValueError(_("请填写整数。"))
        if isinstance(value, int):
            number = value
        else:
            text = _number_text(value)
            try:
                parsed = Decimal(text)
            except InvalidOperation:
                raise ValueError(_("“%(value)s”不是整数。") % {"value": cell_text(value)}) from None
            if not parsed.is_finite() or parsed != parsed.to_integral_value():
                raise ValueError(_("“%(value)s”不是整数。") % {"value": cell_text(value)})
            number = int(parsed)
        if self.min_value is not None and number < self.min_value:
            raise ValueError(_("不能小于 %(min)d。") % {"min": self.min_value})
        if self.max_value is not None and number > self.max_value:
            raise ValueError(_("不能大于 %(max)d。") % {"max": self.max_value})
        return number


class DecimalNumber:
    """A decimal number rounded half-up to ``places`` (money, areas). Never a float."""

    empty = None

    def __init__(
        self, places: int = 2, min_value: Decimal | int | None = None, max_value: Decimal | int | None = None
    ):
        self.quantum = Decimal(1).scaleb(-places)
        self.min_value = min_value
        self.max_value = max_value

    def __call__(self, value: Any) -> Decimal:
        if isinstance(value, bool):
            raise ValueError(_("请填写数字。"))
        try:
            number = Decimal(repr(value)) if isinstance(value, float) else Decimal(_number_text(value))
        except InvalidOperation:
            raise ValueError(_("“%(value)s”不是数字。") % {"value": cell_text(value)}) from None
        if not number.is_finite():
            raise ValueError(_("“%(value)s”不是数字。") % {"value": cell_text(value)})
        number = number.quantize(self.quantum, rounding=ROUND_HALF_UP)
        if self.min_value is not None and number < self.min_value:
            raise ValueError(_("不能小于 %(min)s。") % {"min": self.min_value})
        if self.max_value is not None and number > self.max_value:
            raise ValueError(_("不能大于 %(max)s。") % {"max": self.max_value})
        return number


class Date:
    """A date cell, an Excel serial number, or text like 2024-09-01, 2024/9/1, 2024年9月1日."""

    empty = None
    _FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")

    def __call__(self, value: Any) -> dt.date:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool) and 1 <= value < 2958466:
            return from_excel(value).date()
        text = unicodedata.normalize("NFKC", cell_text(value)).replace(" ", "")
        for fmt in self._FORMATS:
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        raise ValueError(_("“%(value)s”不是日期，请填写如 2024-09-01。") % {"value": cell_text(value)})


class Boolean:
    empty = None
    _TRUE = {"是", "有", "y", "yes", "true", "1", "√", "✓", "对"}
    _FALSE = {"否", "无", "n", "no", "false", "0", "×", "x", "不"}

    def __call__(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        key = normalise_header(value)
        if key in self._TRUE:
            return True
        if key in self._FALSE:
            return False
        raise ValueError(_("请填写“是”或“否”。"))


class Choice:
    """One of a ``TextChoices``/``IntegerChoices``: by label (in any language) or by value."""

    empty = ""

    def __init__(
        self,
        choices: type[models.Choices] | Iterable[tuple[Any, Any]],
        synonyms: dict[str, Any] | None = None,
        *,
        empty: Any = "",
    ):
        self.choices = list(choices.choices if isinstance(choices, type) else choices)
        self.synonyms = synonyms or {}
        self.empty = empty
        self._tables: dict[str | None, dict[str, Any]] = {}

    @property
    def options(self) -> list[str]:
        return [str(label) for _value, label in self.choices]

    def _lookup(self) -> dict[str, Any]:
        """Normalised value, label (current language and Chinese) and synonym -> value; per language."""
        language = translation.get_language()
        table = self._tables.get(language)
        if table is None:
            table = {normalise_header(k): v for k, v in self.synonyms.items()}
            for value, label in self.choices:
                table[normalise_header(value)] = value
                table[normalise_header(label)] = value
                with translation.override(None):  # the untranslated (Chinese) label
                    table[normalise_header(label)] = value
            self._tables[language] = table
        return table

    def __call__(self, value: Any) -> Any:
        found = self._lookup().get(normalise_header(value))
        if found is None:
            raise ValueError(
                _("“%(value)s”不是可选项，可选：%(options)s。")
                % {"value": cell_text(value), "options": "、".join(self.options)}
            )
        return found


# --- columns, rows, errors -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of an import sheet."""

    key: str  # the key of the parsed value; by convention the service argument / model field name
    header: StrOrPromise  # the Chinese header, via gettext_lazy
    parser: Callable[[Any], Any] = field(default_factory=Text)
    required: bool = False  # the header must be present and every row must have a value
    aliases: Sequence[str] = ()  # other accepted header names, e.g. 房间名称 for 名称
    example: Any = ""  # value of the example row of the template
    help_text: StrOrPromise = ""
    width: int | None = None  # template column width; None: worked out from header and example

    @property
    def empty(self) -> Any:
        return getattr(self.parser, "empty", None)

    @property
    def options(self) -> list[str]:
        return list(getattr(self.parser, "options", []))

    @property
    def label(self) -> str:
        return str(self.header)

    def names(self) -> set[str]:
        """Every normalised header this column answers to, in the current language and in Chinese."""
        with translation.override(None):
            original = str(self.header)
        return {normalise_header(n) for n in (self.header, original, self.key, *self.aliases) if n}


@dataclass(frozen=True)
class RowError:
    row: int | None  # the row number shown by Excel; None for a problem with the whole file
    column: str  # the column header, "" for the whole row or file
    message: str
    key: str = ""  # the column key, used to mark the cell in the error workbook


@dataclass
class Row:
    number: int  # as shown by Excel (1-based)
    raw: tuple  # the cells as read, for the error workbook
    data: dict[str, Any] = field(default_factory=dict)  # parsed values; a cell that failed is None
    failed: set[str] = field(default_factory=set)  # keys whose cell could not be parsed

    @property
    def ok(self) -> bool:
        return not self.failed


@dataclass
class ImportResult:
    header_row: int = 0
    headers: list[Any] = field(default_factory=list)  # the header row as uploaded
    positions: dict[str, int] = field(default_factory=dict)  # column key -> index in the sheet row
    rows: list[Row] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    imported: int = 0
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def readable(self) -> bool:
        """The sheet itself could be read (the errors are about rows, not the file)."""
        return bool(self.headers) and all(e.row is not None for e in self.errors)

    def errors_by_row(self) -> dict[int | None, list[RowError]]:
        grouped: dict[int | None, list[RowError]] = {}
        for error in self.errors:
            grouped.setdefault(error.row, []).append(error)
        return grouped


class ImportFileError(Exception):
    """The file cannot be imported at all (wrong type, too big, missing columns): a list of messages."""

    def __init__(self, *messages: str):
        super().__init__(*messages)
        self.messages = list(messages)


# --- reading the upload --------------------------------------------------------------------------------


def _upload_size(file: IO[bytes]) -> int:
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, io.SEEK_END)
        size = file.tell()
    file.seek(0)
    return int(size)


def _looks_like_text(head: bytes) -> bool:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            head.decode(encoding)
        except UnicodeDecodeError:
            continue
        return b"\x00" not in head
    return False


_SAVE_AS_XLSX = gettext_lazy("请用 Excel 或 WPS 打开它，“另存为” Excel 工作簿 (*.xlsx) 后再上传。")


def check_upload(file: IO[bytes]) -> None:
    """Size and real type: an .xlsx is a zip whose content types name a spreadsheet workbook."""
    max_bytes, _max_rows = _import_limits()
    size = _upload_size(file)
    if size == 0:
        raise ImportFileError(_("文件是空的。"))
    if size > max_bytes:
        raise ImportFileError(
            _("文件太大（%(size)s），最大 %(max)s。请分成几个文件导入。")
            % {"size": filesizeformat(size), "max": filesizeformat(max_bytes)}
        )
    head = file.read(2048)
    file.seek(0)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            _("这是旧版 Excel 97-2003 (.xls) 文件，或设置了打开密码的文件。")
            + " "
            + str(_SAVE_AS_XLSX)
            + " "
            + _("如果设置了密码，请先取消密码。")
        )
    if not head.startswith(b"PK\x03\x04"):
        if _looks_like_text(head):
            raise ImportFileError(
                _("这不是 Excel 文件，看起来是 CSV 或文本文件（也许只是改了扩展名）。")
                + " "
                + str(_SAVE_AS_XLSX)
            )
        raise ImportFileError(_("这不是 Excel (.xlsx) 文件。") + " " + str(_SAVE_AS_XLSX))
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and b"opendocument" in archive.read("mimetype")[:100]:
                raise ImportFileError(_("这是 OpenDocument (.ods) 表格。") + " " + str(_SAVE_AS_XLSX))
            if "[Content_Types].xml" not in names:
                raise ImportFileError(_("这不是 Excel (.xlsx) 文件。") + " " + str(_SAVE_AS_XLSX))
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > 1024 * 1024:
                raise ImportFileError(_("文件已损坏，无法读取。"))
            content_types = archive.read(info).decode("utf-8", "replace")
            if not any(t in content_types for t in _XLSX_MAIN_TYPES):
                if "wordprocessingml" in content_types:
                    raise ImportFileError(_("这是 Word 文档，不是 Excel 表格。"))
                if "macroEnabled" in content_types:
                    raise ImportFileError(_("这是启用宏的 Excel 文件 (.xlsm)。") + " " + str(_SAVE_AS_XLSX))
                raise ImportFileError(_("这不是 Excel (.xlsx) 文件。") + " " + str(_SAVE_AS_XLSX))
            if sum(i.file_size for i in archive.infolist()) > MAX_UNCOMPRESSED_FACTOR * max_bytes:
                raise ImportFileError(_("文件内容太多，请分成几个文件导入。"))
    except zipfile.BadZipFile:
        raise ImportFileError(_("文件已损坏，无法读取。") + " " + str(_SAVE_AS_XLSX)) from None
    finally:
        file.seek(0)


def read_sheet(file: IO[bytes]) -> list[tuple[int, tuple]]:
    """Non-blank rows of the first worksheet as ``(row number, values)``, without trailing blank cells."""
    _max_bytes, max_rows = _import_limits()
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on damaged files; all mean the same to the user
        raise ImportFileError(_("文件已损坏或无法读取。") + " " + str(_SAVE_AS_XLSX)) from None
    try:
        if not workbook.worksheets:
            raise ImportFileError(_("文件里没有工作表。"))
        sheet = workbook.worksheets[0]
        # Some programs write a wrong <dimension> (e.g. "A1"): read the rows that are really there.
        sheet.reset_dimensions()
        rows: list[tuple[int, tuple]] = []
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            values = tuple(v.strip() if isinstance(v, str) else v for v in cells[:MAX_COLUMNS])
            end = len(values)
            while end and is_blank(values[end - 1]):
                end -= 1
            if not end:
                continue  # fully blank rows are skipped
            rows.append((number, values[:end]))
            if len(rows) > max_rows + HEADER_SCAN_ROWS:
                break
        return rows
    except ImportFileError:
        raise
    except Exception:
        raise ImportFileError(_("文件已损坏或无法读取。") + " " + str(_SAVE_AS_XLSX)) from None
    finally:
        workbook.close()


# --- the importer -----------------------------------------------------------------------------------------


LOOKUP_CHUNK = 500  # values per ``__in`` lookup (SQLite limits the number of query parameters)


def in_chunks(values: Iterable[Any], size: int = LOOKUP_CHUNK) -> Iterator[list[Any]]:
    """The distinct non-blank ``values`` in lists of ``size``, for ``__in`` lookups of a whole file."""
    values = list(dict.fromkeys(v for v in values if v not in (None, "")))
    for start in range(0, len(values), size):
        yield values[start : start + size]


def duplicate_rows(importer: Importer, rows: list[Row], key: str, value_of=None) -> list[RowError]:
    """Rows repeating a value of an earlier row of the file: "与第 N 行重复"."""
    seen: dict[Any, int] = {}
    errors = []
    for row in rows:
        value = value_of(row) if value_of else row.data.get(key)
        if value in (None, ""):
            continue
        first = seen.setdefault(value, row.number)
        if first != row.number:
            errors.append(importer.error(row, key, _("与第 %(row)d 行重复。") % {"row": first}))
    return errors


class ImportRolledBack(Exception):
    """Raised inside the import transaction to undo it (errors found, or a dry run)."""


class Importer:
    """Base of every importer. Subclasses set ``name``, ``title``, ``columns`` and write ``save_row``.

    ``parse_row`` (one row) and ``validate_all`` (all rows at once: duplicates inside the file,
    lookups and existence checks against the database in a few queries) are the hooks for checks
    a single cell cannot make. ``save_row`` must call services only, never ``.objects.create``.
    """

    name: ClassVar[str] = ""  # recorded in the "imported" audit event, e.g. "org.location"
    title: ClassVar[StrOrPromise] = ""  # e.g. 位置 (the page title is "导入位置")
    sheet_title: ClassVar[StrOrPromise] = ""
    columns: ClassVar[list[Column]] = []
    ignored_headers: ClassVar[Sequence[StrOrPromise]] = (ERROR_HEADER, "序号")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        seen: dict[str, str] = {}
        for column in cls.columns:
            for name in column.names():
                if seen.setdefault(name, column.key) != column.key:
                    raise ImproperlyConfigured(
                        f"{cls.__name__}: header {name!r} matches both {seen[name]!r} and {column.key!r}"
                    )

    def __init__(self, *, school, actor):
        self.school = school
        self.actor = actor

    # -- hooks ---------------------------------------------------------------------------------------

    def parse_row(self, values: dict[str, Any], row_number: int) -> dict[str, Any]:
        """Row-level checks and derived values, called when every cell of the row parsed.

        Raise ``ValidationError({key: message})`` to report on a column.
        """
        return values

    def validate_all(self, rows: list[Row]) -> list[RowError]:
        """Checks across rows and against the database, for all rows at once (a few queries).

        Cells that failed to parse are ``None``. May replace looked-up values in ``row.data`` by
        the objects found (a campus name by the ``Campus``), ready for ``save_row``.
        """
        return []

    def save_row(self, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def reset(self) -> None:
        """Called before saving starts: clear caches filled by ``save_row``."""

    # -- helpers for subclasses -------------------------------------------------------------------

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def error(self, row: Row | int, key: str, message: str) -> RowError:
        number = row.number if isinstance(row, Row) else row
        label = self.column(key).label if key and any(c.key == key for c in self.columns) else ""
        return RowError(row=number, column=label, message=str(message), key=key)

    def errors_from(
        self, row: Row, exc: ValidationError, field_map: dict[str, str] | None = None
    ) -> list[RowError]:
        """A service's ``ValidationError`` as row errors, put on the column of each field.

        ``field_map`` maps a service's field name to a column key when they differ. A uniqueness
        error on (school, field) goes to the column of that field.
        """
        field_map = field_map or {}
        keys = {c.key for c in self.columns}
        if not hasattr(exc, "error_dict"):
            return [self.error(row, "", m) for m in exc.messages]
        errors = []
        for field_name, field_errors in exc.error_dict.items():
            for error in field_errors:
                key = field_map.get(field_name, field_name)
                unique_check = (error.params or {}).get("unique_check")
                if field_name == NON_FIELD_ERRORS and unique_check:
                    fields = [field_map.get(f, f) for f in unique_check if f != "school"]
                    key = next((f for f in fields if f in keys), "")
                errors.extend(self.error(row, key if key in keys else "", message) for message in error)
        return errors

    # -- running ------------------------------------------------------------------------------------

    def match_headers(self, header: tuple, result: ImportResult) -> None:
        by_name = {name: column for column in self.columns for name in column.names()}
        ignored = {normalise_header(h) for h in self.ignored_headers}
        with translation.override(None):
            ignored |= {normalise_header(h) for h in self.ignored_headers}
        errors, unknown = [], []
        for index, value in enumerate(header):
            if is_blank(value):
                continue
            column = by_name.get(normalise_header(value))
            if column is None:
                if normalise_header(value) not in ignored:
                    unknown.append(cell_text(value))
            elif column.key in result.positions:
                errors.append(
                    _("“%(header)s”列出现了两次（第 %(a)s 列和第 %(b)s 列）。")
                    % {
                        "header": column.label,
                        "a": get_column_letter(result.positions[column.key] + 1),
                        "b": get_column_letter(index + 1),
                    }
                )
            else:
                result.positions[column.key] = index
        missing = [c.label for c in self.columns if c.required and c.key not in result.positions]
        if missing:
            errors.append(
                _("缺少必填的列：%(columns)s。请下载导入模板，对照表头。") % {"columns": "、".join(missing)}
            )
        if unknown:
            result.notes.append(_("以下列不认识，已忽略：%(columns)s。") % {"columns": "、".join(unknown)})
        if errors:
            raise ImportFileError(*errors)

    def _find_header(self, rows: list[tuple[int, tuple]]) -> int:
        """Index of the header row: the one among the first rows that matches most known headers."""
        by_name = {name for column in self.columns for name in column.names()}
        best, best_score = 0, 0
        for index, (_number, values) in enumerate(rows[:HEADER_SCAN_ROWS]):
            score = sum(1 for v in values if normalise_header(v) in by_name)
            if score > best_score:
                best, best_score = index, score
        return best

    def parse(self, file: IO[bytes]) -> ImportResult:
        """Steps 1-4: read and check everything; nothing is written."""
        result = ImportResult()
        _max_bytes, max_rows = _import_limits()
        try:
            check_upload(file)
            sheet_rows = read_sheet(file)
            if not sheet_rows:
                raise ImportFileError(_("表格是空的。"))
            header_index = self._find_header(sheet_rows)
            result.header_row, header = sheet_rows[header_index]
            result.headers = list(header)
            self.match_headers(header, result)
            data_rows = sheet_rows[header_index + 1 :]
            if len(data_rows) > max_rows:
                raise ImportFileError(_("数据超过 %(max)d 行，请分成几个文件导入。") % {"max": max_rows})
            if not data_rows:
                raise ImportFileError(_("表格里只有表头，没有数据。"))
        except ImportFileError as exc:
            result.errors = [RowError(row=None, column="", message=str(m)) for m in exc.messages]
            return result
        for number, values in data_rows:
            row = Row(number=number, raw=values)
            result.errors.extend(self._parse_cells(row, result.positions))
            result.rows.append(row)
        result.errors.extend(self.validate_all(result.rows))
        result.errors.sort(key=self._error_order())
        return result

    def _parse_cells(self, row: Row, positions: dict[str, int]) -> list[RowError]:
        errors = []
        for column in self.columns:
            index = positions.get(column.key)
            value = row.raw[index] if index is not None and index < len(row.raw) else None
            if is_blank(value):
                row.data[column.key] = column.empty
                if column.required:
                    row.failed.add(column.key)
                    row.data[column.key] = None
                    errors.append(self.error(row, column.key, _("必填，不能为空。")))
                continue
            try:
                row.data[column.key] = column.parser(value)
            except (ValueError, ValidationError) as exc:
                row.failed.add(column.key)
                row.data[column.key] = None
                errors.append(self.error(row, column.key, " ".join(_messages(exc))))
        if row.ok:
            try:
                row.data = self.parse_row(row.data, row.number)
            except ValidationError as exc:
                row.failed.add("")
                errors.extend(self.errors_from(row, exc))
        return errors

    def _error_order(self) -> Callable[[RowError], tuple]:
        order = {c.key: i for i, c in enumerate(self.columns)}
        return lambda e: (e.row or 0, order.get(e.key, -1))

    def save_all(self, rows: list[Row], *, commit: bool = True) -> list[RowError]:
        """Save every row through the services in ONE transaction: all rows or none.

        Each row runs in a savepoint so that after a service error the next rows still run and
        every error is reported; any error (or ``commit=False``, a dry run) rolls everything back.
        """
        errors: list[RowError] = []
        self.reset()
        try:
            with transaction.atomic():
                errors = self.save_rows(rows)
                if errors or not commit:
                    raise ImportRolledBack
                audit.record(
                    actor=self.actor,
                    verb="imported",
                    target=None,
                    school=self.school,
                    changes={"rows": len(rows), "importer": self.name},
                )
        except ImportRolledBack:
            pass
        finally:
            self.reset()
        return errors

    def save_rows(self, rows: list[Row]) -> list[RowError]:
        """Save the rows inside ``save_all``'s transaction and return every row's errors.

        By default one ``save_row`` per row, each in a savepoint. An importer whose app offers
        a batch service (many rows checked and written in a few queries) overrides this.
        """
        errors: list[RowError] = []
        for row in rows:
            try:
                with transaction.atomic():
                    self.save_row(row.data)
            except ValidationError as exc:
                errors.extend(self.errors_from(row, exc))
            except IntegrityError:
                errors.append(self.conflict_error(row))
        return errors

    def conflict_error(self, row: Row) -> RowError:
        return self.error(row, "", _("与已有数据冲突（可能刚被别人添加），请检查后重新导入。"))

    def run(self, file: IO[bytes], *, commit: bool = True) -> ImportResult:
        """Check everything; when the whole file is clean, import it (``commit=False``: dry run)."""
        result = self.parse(file)
        if result.ok:
            result.errors = self.save_all(result.rows, commit=commit)
            result.errors.sort(key=self._error_order())
            if result.ok:
                result.imported = len(result.rows)
                result.committed = commit
        return result


# --- workbooks: template, errors, export ------------------------------------------------------------


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _auto_width(*texts: Any) -> int:
    return max(10, min(40, max((_display_width(cell_text(t)) for t in texts), default=0) + 4))


def template_workbook(importer: Importer | type[Importer]) -> bytes:
    """The downloadable template: headers (required ones in red), one example row, and a 说明 sheet."""
    _max_bytes, max_rows = _import_limits()
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _sheet_title(importer.sheet_title or importer.title)
    for index, column in enumerate(importer.columns, start=1):
        letter = get_column_letter(index)
        header = sheet.cell(row=1, column=index, value=column.label)
        header.font = _REQUIRED_FONT if column.required else _HEADER_FONT
        header.fill = _HEADER_FILL
        header.alignment = Alignment(horizontal="center", vertical="center")
        if column.help_text:
            header.comment = Comment(str(column.help_text), "Houqin")
        example = column.example
        if example not in (None, ""):
            value = str(example) if isinstance(example, Promise) else example
            cell = sheet.cell(row=2, column=index, value=value)
            if isinstance(example, str):
                cell.data_type = "s"
        sheet.column_dimensions[letter].width = column.width or _auto_width(column.label, example)
        options = column.options
        formula = '"' + ",".join(options) + '"'
        if options and len(formula) <= 255 and not any("," in o or '"' in o for o in options):
            validation = DataValidation(
                type="list",
                formula1=formula,
                allow_blank=True,
                errorStyle="warning",
                showErrorMessage=True,
                error=_("请从下拉列表中选择。"),
            )
            validation.add(f"{letter}2:{letter}{max_rows + 1}")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"
    sheet.row_dimensions[1].height = 22

    notes = workbook.create_sheet(_sheet_title(_("说明")))
    heads = [_("列名"), _("是否必填"), _("也可用的列名"), _("说明"), _("示例")]
    for index, text in enumerate(heads, start=1):
        cell = notes.cell(row=1, column=index, value=text)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
    for row, column in enumerate(importer.columns, start=2):
        help_text = str(column.help_text or "")
        if column.options:
            help_text = (help_text + " " if help_text else "") + _("可选：%(options)s。") % {
                "options": "、".join(column.options)
            }
        values = [
            column.label,
            _("必填") if column.required else _("选填"),
            "、".join(map(str, column.aliases)),
            help_text,
            cell_text(column.example),
        ]
        for index, value in enumerate(values, start=1):
            cell = notes.cell(row=row, column=index, value=_as_text(value))
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.data_type = "s"
            if index == 2 and column.required:
                cell.font = _REQUIRED_FONT
    last = len(importer.columns) + 3
    tips = [
        _("第一行是表头，从第二行起每行一条；示例行请改成实际数据或删除。"),
        _("红色表头为必填列。列的顺序可以调整，不认识的列会被忽略。"),
        _("整个文件检查无误后才会导入；有任何错误时一行也不导入，并列出全部错误。"),
        _("每个文件最多 %(rows)d 行。") % {"rows": max_rows},
    ]
    for offset, tip in enumerate(tips):
        notes.cell(row=last + offset, column=1, value=tip)
    for letter, width in zip("ABCDE", (16, 10, 28, 60, 20), strict=True):
        notes.column_dimensions[letter].width = width
    notes.freeze_panes = "A2"
    return _save(workbook)


def error_workbook(result: ImportResult) -> bytes:
    """The uploaded sheet back, with an "错误" column listing each row's problems; bad cells in red.

    The user corrects the file in Excel and uploads it again (the 错误 column is ignored then; an
    old 错误 column in a re-uploaded error workbook is replaced by the new one).
    """
    width = max([len(result.headers), *(len(r.raw) for r in result.rows)], default=0)
    headers = list(result.headers) + [None] * (width - len(result.headers))
    error_name = normalise_header(ERROR_HEADER)
    kept = [i for i, h in enumerate(headers) if normalise_header(h) != error_name]

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_title(_("导入错误")))
    for position in range(len(kept) + 1):
        sheet.column_dimensions[get_column_letter(position + 1)].width = 16 if position < len(kept) else 60
    sheet.freeze_panes = "A2"
    sheet.append(
        [
            *(_write_cell(sheet, headers[i], font=_HEADER_FONT, fill=_HEADER_FILL) for i in kept),
            _write_cell(sheet, str(ERROR_HEADER), font=_REQUIRED_FONT, fill=_HEADER_FILL),
        ]
    )
    by_row = result.errors_by_row()
    for row in result.rows:
        errors = by_row.get(row.number, [])
        bad = {result.positions.get(e.key) for e in errors if e.key}
        cells = []
        for i in kept:
            value = row.raw[i] if i < len(row.raw) else None
            cells.append(_write_cell(sheet, value, fill=_ERROR_FILL if i in bad else None))
        message = "；".join(f"{e.column}：{e.message}" if e.column else e.message for e in errors)
        cells.append(_write_cell(sheet, message, font=_ERROR_FONT) if message else _write_cell(sheet, None))
        sheet.append(cells)
    return _save(workbook)


@dataclass(frozen=True)
class ExportColumn:
    """One column of an export: ``value`` is an attribute path (``"campus.name"``) or a callable."""

    header: StrOrPromise
    value: str | Callable[[Any], Any]
    width: int | None = None

    def get(self, obj: Any) -> Any:
        if callable(self.value):
            return self.value(obj)
        current = obj
        for part in self.value.replace("__", ".").split("."):
            if current is None:
                return None
            current = getattr(current, part)
            if callable(current) and not isinstance(current, models.Manager):
                current = current()
        return current


def _export_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, models.Manager):
        value = list(value.all())
    if isinstance(value, list | tuple | set):
        return "、".join(str(v) for v in value)
    if isinstance(value, str | int | float | Decimal | dt.date | dt.time):
        return value
    return str(value)


def export_queryset(
    rows: Iterable[Any],
    columns: Sequence[ExportColumn],
    *,
    sheet_title: Any = "",
    progress: Callable[[int], None] | None = None,
    progress_every: int = 500,
) -> bytes:
    """Write rows to an .xlsx in write-only mode (constant memory per row); a QuerySet is iterated in chunks.

    Exports of more than a few thousand rows belong in a task (DESIGN.md rule 6); this is the writer it calls.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_title(sheet_title or _("导出")))
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width or _auto_width(column.header)
    sheet.freeze_panes = "A2"
    sheet.append([_write_cell(sheet, str(c.header), font=_HEADER_FONT, fill=_HEADER_FILL) for c in columns])
    iterator = rows.iterator(chunk_size=2000) if isinstance(rows, models.QuerySet) else rows
    for done, obj in enumerate(iterator, start=1):
        sheet.append([_write_cell(sheet, _export_value(c.get(obj))) for c in columns])
        if progress is not None and done % progress_every == 0:
            progress(done)
    return _save(workbook)


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    """An .xlsx download; a Chinese file name is encoded for every browser."""
    if not filename.lower().endswith(".xlsx"):
        filename += ".xlsx"
    return HttpResponse(
        content,
        content_type=XLSX_CONTENT_TYPE,
        headers={
            "Content-Disposition": content_disposition_header(True, filename),
            "Cache-Control": "no-store",
        },
    )
