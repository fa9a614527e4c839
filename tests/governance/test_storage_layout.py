"""The upgrade check compares solc's storageLayout and every ERC-7201 namespaced struct, and refuses a reordered,
retyped, inserted or dropped field before anything is deployed."""

from pathlib import Path

import pytest

from rat.storage_layout import IncompatibleStorageLayout, check_upgrade, compare, compile_layouts, layout_of

FIXTURES = Path(__file__).parent / "layouts"
NAMES = ["LayoutV1", "LayoutV2Appended", "LayoutV2Reordered", "LayoutV2Retyped", "LayoutV2InnerRetyped",
         "LayoutV2StateInserted", "LayoutV2Renamed", "LayoutV2NamespaceDropped"]


@pytest.fixture(scope="module")
def layouts():
    return compile_layouts([FIXTURES / f"{name}.sol" for name in NAMES], NAMES)


def test_namespaced_structs_are_read_from_the_ast(layouts):
    members = layouts["LayoutV1"].namespaces["rat.storage.LayoutFixture"]
    assert [(m.label, m.type) for m in members] == [
        ("supply", "uint256"), ("owner", "address"), ("records", "mapping(address => struct{uint16,uint16})")]


def test_appending_fields_is_compatible(layouts):
    report = compare(layouts["LayoutV1"], layouts["LayoutV2Appended"])
    assert report.compatible and not report.warnings


def test_reordered_namespaced_fields_are_rejected(layouts):
    report = compare(layouts["LayoutV1"], layouts["LayoutV2Reordered"])
    assert any("reordered" in e and "supply" in e for e in report.errors)


def test_a_retyped_namespaced_field_is_rejected(layouts):
    report = compare(layouts["LayoutV1"], layouts["LayoutV2Retyped"])
    assert any("`supply` was retyped from uint256 to uint128" in e for e in report.errors)


def test_a_retyped_field_inside_a_mapped_struct_is_rejected(layouts):
    report = compare(layouts["LayoutV1"], layouts["LayoutV2InnerRetyped"])
    assert any("`records` was retyped" in e for e in report.errors)


def test_a_state_variable_inserted_before_others_is_rejected(layouts):
    report = compare(layouts["LayoutV1"], layouts["LayoutV2StateInserted"])
    assert any("`legacy`" in e and "state variables" in e for e in report.errors)


def test_a_dropped_namespace_is_rejected(layouts):
    report = compare(layouts["LayoutV1"], layouts["LayoutV2NamespaceDropped"])
    assert any("erc7201:rat.storage.LayoutFixture was removed" in e for e in report.errors)


def test_a_renamed_field_of_the_same_type_is_only_a_warning(layouts):
    report = compare(layouts["LayoutV1"], layouts["LayoutV2Renamed"])
    assert report.compatible
    assert report.warnings == ["namespace erc7201:rat.storage.LayoutFixture: `supply` renamed to `totalSupply` "
                               "(same type, compatible)"]


def test_check_upgrade_names_every_problem_in_its_message(layouts):
    with pytest.raises(IncompatibleStorageLayout, match="LayoutV2Retyped cannot replace LayoutV1"):
        check_upgrade(layouts["LayoutV1"], layouts["LayoutV2Retyped"])


def test_the_real_token_v2_mock_is_compatible_with_the_token():
    report = compare(layout_of("RealAssetToken"), layout_of("RealAssetTokenV2Mock"))
    assert report.compatible, report.errors
    assert "rat.storage.RealAssetToken" in layout_of("RealAssetToken").namespaces
