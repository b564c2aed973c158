"""Uploads: size limit, type by content (not extension), safe storage outside the web root."""

from __future__ import annotations

import zipfile
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import select

from huiqi.grants import applications as apps
from huiqi.kit import uploads
from huiqi.kit.settings import PROJECT_ROOT
from huiqi.models.material import Material
from huiqi.ui.templating import STATIC_DIR
from tests.grants.conftest import JPEG, PDF, PNG, World, upload


def _zip(names: dict[str, bytes]) -> bytes:
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in names.items():
            zf.writestr(name, data)
    return out.getvalue()


XLSX = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
DOCX = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<document/>"})
XLSM = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<w/>",
             "xl/vbaProject.bin": b"macro"})
OFD = _zip({"OFD.xml": b"<ofd:OFD/>", "Doc_0/Document.xml": b"<d/>"})


@pytest.mark.parametrize(("data", "name", "kind"), [
    (PDF, "a.pdf", "pdf"), (JPEG, "a.JPG", "jpeg"),
    (PNG, "a.png", "png"), (XLSX, "台账.xlsx", "xlsx"),
    (DOCX, "说明.docx", "docx"), (OFD, "发票.ofd", "ofd"),
])
def test_allowed_kinds_are_recognised_by_content(data: bytes, name: str, kind: str) -> None:
    assert uploads.check(data, name)[0].name == kind


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"MZ\x90\x00 windows exe", "合同.pdf", "类型不受支持"),
    (b"<html><script>alert(1)</script>", "合同.pdf", "类型不受支持"),
    (XLSM, "宏.xlsx", "类型不受支持"),
    (_zip({"a.txt": b"x"}), "a.docx", "类型不受支持"),
    (PDF, "合同.exe", "扩展名与内容不符"),
    (PNG, "图.pdf", "扩展名与内容不符"),
    (b"\x89PNG\r\n\x1a\n", "半截.png", "结构异常"),  # no chunks, no IEND
    # Polyglots: the first bytes say one thing, the rest is another.
    (PDF + b"<html><script>alert(1)</script></html>", "a.pdf", "类型不受支持"),
    (PNG + b"<script>alert(1)</script>", "a.png", "类型不受支持"),
    (JPEG[:-2] + XLSX + b"\xff\xd9", "a.jpg", "类型不受支持"),
    (XLSX + PDF, "a.xlsx", "类型不受支持"),
    (b"%PDF-1.4\n" + XLSX + b"\n%%EOF\n", "a.pdf", "类型不受支持"),
    (b"", "空.pdf", "空文件"),
])
def test_refused_kinds(data: bytes, name: str, message: str) -> None:
    with pytest.raises(uploads.UploadRefused, match=message):
        uploads.check(data, name)


def test_filenames_are_sanitised() -> None:
    assert uploads.sanitise_filename("../../etc/passwd") == "passwd"
    assert uploads.sanitise_filename("C:\\Users\\a\\租赁合同.pdf") == "租赁合同.pdf"
    assert uploads.sanitise_filename('a<b>:"|?*\x00.pdf') == "a_b____" + "___.pdf"
    assert uploads.sanitise_filename("") == "未命名文件"
    long = uploads.sanitise_filename("长" * 300 + ".pdf")
    assert len(long) == 150 and long.endswith(".pdf")


def test_oversized_upload_refused_with_413_and_nothing_stored(world: World) -> None:
    big = PDF + b"0" * (world.settings.upload_max_bytes + 1)
    with pytest.raises(uploads.UploadTooLarge) as exc:
        world.do(apps.submit, world.ent_a, item_id="testville.rent",
                 files=[upload("房屋租赁合同", "大.pdf", big)])
    assert exc.value.status_code == 413 and "64 KB" in exc.value.message
    root = world.settings.uploads_dir
    assert not root.exists() or not any(p.is_file() for p in root.rglob("*"))
    with world.tx() as s:
        assert s.scalar(select(Material.id)) is None


def test_wrong_type_refused_and_stored_file_of_rolled_back_request_removed(world: World) -> None:
    files = [upload("房屋租赁合同", "合同.pdf", PDF), upload("营业执照", "执照.pdf", b"GIF89a...")]
    with pytest.raises(uploads.UploadRefused) as exc:
        world.do(apps.submit, world.ent_a, item_id="testville.rent", files=files)
    assert exc.value.status_code == 422
    root = world.settings.uploads_dir
    assert not any(p.is_file() for p in root.rglob("*"))  # the good first file went with it


def test_stored_outside_web_root_random_name_with_hash(world: World) -> None:
    app = world.do(apps.submit, world.ent_a, item_id="testville.rent",
                   files=[upload("房屋租赁合同", "../../我的 合同.pdf", PDF)])
    with world.tx() as s:
        material, path = apps.open_material(s, world.ent_a, apps.materials(s, world.ent_a,
                                                                           app.id)[0].id,
                                            settings=world.settings)
    assert material.original_filename == "我的 合同.pdf"
    assert "合同" not in material.stored_name and material.stored_name.endswith(".pdf")
    assert Path(path).read_bytes() == PDF
    assert Path(path).is_relative_to(world.settings.uploads_dir)
    assert not Path(path).resolve().is_relative_to(STATIC_DIR.resolve())
    assert not Path(path).resolve().is_relative_to((PROJECT_ROOT / "src").resolve())
    import hashlib

    assert material.sha256 == hashlib.sha256(PDF).hexdigest()
    with world.tx() as s, pytest.raises(apps.access.NotFound):
        apps.open_material(s, world.ent_b, material.id, settings=world.settings)


def test_resolve_refuses_escaping_paths(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="路径无效"):
        uploads.resolve(tmp_path, "../outside.pdf")


def _bomb(unpacked: int) -> bytes:
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", b"<Types/>")
        zf.writestr("xl/workbook.xml", b"<workbook/>")
        zf.writestr("xl/sharedStrings.xml", b"\0" * unpacked)
    return out.getvalue()


def test_zip_bombs_are_refused_by_unpacked_size_and_ratio(monkeypatch) -> None:
    bomb = _bomb(50 * 1024 * 1024)  # 50 MB of zeros in ~50 KB: ratio ~1000
    assert len(bomb) < 200_000
    with pytest.raises(uploads.UploadRefused, match="类型不受支持"):
        uploads.check(bomb, "报表.xlsx")
    monkeypatch.setattr(uploads, "MAX_RATIO", 10_000)
    monkeypatch.setattr(uploads, "MAX_UNPACKED", 10 * 1024 * 1024)
    with pytest.raises(uploads.UploadRefused):
        uploads.check(bomb, "报表.xlsx")  # the ratio allowed, the unpacked size is not
    # A small one is still refused for its ratio.
    monkeypatch.setattr(uploads, "MAX_RATIO", 100)
    with pytest.raises(uploads.UploadRefused):
        uploads.check(_bomb(2 * 1024 * 1024), "报表.xlsx")


def test_stored_files_are_owner_only(world: World) -> None:
    from huiqi.kit.db import unit_of_work

    with unit_of_work(world.engine) as db:
        stored = uploads.store(db, world.settings.uploads_dir, BytesIO(PDF), "合同.pdf", 10**6)
    path = world.settings.uploads_dir / stored.stored_name
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_sqlite_database_file_is_owner_only(tmp_path: Path) -> None:
    from huiqi.kit.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x)")
    engine.dispose()
    assert oct((tmp_path / "new.db").stat().st_mode & 0o777) == "0o600"
