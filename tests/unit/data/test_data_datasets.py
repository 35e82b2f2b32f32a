"""Inference on the shared real datasets (skipped only where the folder is absent)."""

from forgeml.data import infer_schema, prepare_training, read_table


def test_ames_keeps_literal_none_category(datasets_dir):
    df = read_table(datasets_dir / "ames.csv.gz")
    assert "None" in set(df["Mas_Vnr_Type"].dropna())
    schema = infer_schema(df, "Sale_Price")
    assert schema.column("Mas_Vnr_Type").role == "categorical"
    X, _, _ = prepare_training(df, schema)
    assert "None" in set(X["Mas_Vnr_Type"].dropna())


def test_hotel_rates_dates_and_regression(datasets_dir):
    schema = infer_schema(read_table(datasets_dir / "hotel_rates.csv.gz"), "avg_price_per_room")
    assert schema.column("arrival_date").role == "datetime"
    assert schema.target.task == "regression"


def test_sms_spam_text(datasets_dir):
    schema = infer_schema(read_table(datasets_dir / "sms_spam.csv.gz"), "type")
    assert schema.column("text").role == "text"
    assert schema.target.classes == ("ham", "spam")


def test_adult_categoricals_and_binary(datasets_dir):
    df = read_table(datasets_dir / "adult.csv.gz")
    schema = infer_schema(df, "income")
    assert schema.target.task == "binary"
    assert schema.target.classes == ("<=50K", ">50K")
    for col in ("workclass", "education", "marital-status", "occupation", "race", "native-country"):
        assert schema.column(col).role == "categorical", col
    assert schema.column("age").role == "numeric"
    _, y, dropped = prepare_training(df, schema)
    assert dropped == 0 and 0.2 < y.mean() < 0.3
