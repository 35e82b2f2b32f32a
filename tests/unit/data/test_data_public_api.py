import forgeml.data as data


def test_public_names_are_pinned():
    assert sorted(data.__all__) == [
        "ColumnSpec",
        "DROPPED_ROLES",
        "FEATURE_ROLES",
        "Schema",
        "TargetSpec",
        "coerce_frame",
        "decode_labels",
        "fingerprint",
        "infer_schema",
        "make_folds",
        "prepare_training",
        "read_table",
    ]
    for name in data.__all__:
        assert getattr(data, name) is not None
