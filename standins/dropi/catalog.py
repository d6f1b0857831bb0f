"""A deterministic Dropi catalog per country: simple and variable products with Spanish names
and HTML descriptions (some hostile, for the sanitizer), local prices, stock per warehouse,
categories, favourites and private products. Same seed, same catalog."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from standins.dropi import geography

DEFAULT_SIZES = {"CO": 240, "MX": 220}
OTHER_COUNTRY_SIZE = 60
CATEGORIES = ["Hogar", "Cocina", "Tecnología", "Belleza", "Salud y bienestar", "Deportes",
              "Mascotas", "Moda", "Juguetes", "Accesorios para vehículos"]
COLORS = ["Negro", "Blanco", "Rojo", "Azul", "Rosado", "Gris", "Verde", "Beige"]
SIZES = {"Talla": ["S", "M", "L", "XL"], "Talla calzado": ["36", "37", "38", "39", "40", "41"],
         "Tamaño": ["Sencilla", "Doble", "Queen", "King"]}
# (name, category index, price tier 1-3, variant attributes)
TEMPLATES = [
    ("Lámpara LED recargable", 0, 1, ()), ("Organizador de clóset", 0, 1, ()),
    ("Cortina blackout térmica", 0, 2, ("Color",)), ("Humidificador aromatizador", 0, 2, ()),
    ("Juego de sábanas microfibra", 0, 2, ("Tamaño", "Color")),
    ("Olla arrocera eléctrica", 1, 2, ()), ("Set de cuchillos de acero", 1, 2, ()),
    ("Licuadora portátil USB", 1, 1, ("Color",)), ("Termo de acero inoxidable", 1, 1, ("Color",)),
    ("Freidora de aire digital", 1, 3, ()), ("Audífonos inalámbricos Bluetooth", 2, 2, ("Color",)),
    ("Smartwatch deportivo", 2, 3, ("Color",)), ("Cargador rápido USB-C", 2, 1, ()),
    ("Parlante Bluetooth resistente al agua", 2, 2, ()), ("Mini proyector HD", 2, 3, ()),
    ("Cepillo alisador térmico", 3, 2, ()), ("Set de brochas de maquillaje", 3, 1, ()),
    ("Sérum facial con vitamina C", 3, 1, ()), ("Secador de cabello iónico", 3, 2, ()),
    ("Depiladora facial recargable", 3, 1, ()), ("Corrector de postura", 4, 1, ("Talla",)),
    ("Masajeador cervical eléctrico", 4, 2, ()), ("Faja moldeadora", 4, 2, ("Talla", "Color")),
    ("Rodillera deportiva", 4, 1, ("Talla",)), ("Tensiómetro digital de brazo", 4, 2, ()),
    ("Bandas elásticas de resistencia", 5, 1, ()),
    ("Camiseta deportiva dry-fit", 5, 1, ("Talla", "Color")), ("Tapete de yoga", 5, 1, ("Color",)),
    ("Guantes de gimnasio", 5, 1, ("Talla",)), ("Bicicleta estática plegable", 5, 3, ()),
    ("Cama para perro", 6, 2, ("Talla",)), ("Collar antipulgas", 6, 1, ()),
    ("Arnés para perro", 6, 1, ("Talla", "Color")), ("Rascador para gato", 6, 2, ()),
    ("Comedero automático para mascotas", 6, 3, ()),
    ("Zapatillas urbanas", 7, 2, ("Talla calzado", "Color")), ("Bolso bandolera", 7, 1, ("Color",)),
    ("Gafas de sol polarizadas", 7, 1, ()), ("Reloj análogo clásico", 7, 2, ()),
    ("Gorra bordada", 7, 1, ("Color",)), ("Bloques de construcción", 8, 1, ()),
    ("Carro a control remoto", 8, 2, ("Color",)), ("Pizarra mágica LCD", 8, 1, ()),
    ("Peluche gigante", 8, 2, ()), ("Rompecabezas de 1000 piezas", 8, 1, ()),
    ("Aspiradora para carro", 9, 2, ()), ("Soporte magnético para carro", 9, 1, ()),
    ("Cargador doble para carro", 9, 1, ()), ("Organizador de baúl", 9, 1, ()),
    ("Forro para timón", 9, 1, ("Color",)),
]
QUALIFIERS = ["Pro", "Plus", "Max", "Mini", "Premium", "Lite", "X2", "Ultra"]
BENEFITS = ["Material resistente y duradero", "Fácil de usar y de limpiar",
            "Ideal para regalar", "Diseño moderno y compacto", "Garantía de 3 meses",
            "Producto original con empaque sellado", "Listo para envío inmediato"]
HOSTILE = [
    "<script>alert('dropi')</script>",
    '<img src="x" onerror="alert(document.cookie)">',
    '<a href="javascript:alert(1)">Ver más detalles</a>',
    '<iframe src="https://tracker.example/pixel"></iframe>',
    '<p style="position:fixed" onclick="robar()">¡Oferta por tiempo limitado!</p>',
]
# (low, high, step) of the supplier price; step < 1 means cents.
PRICES = {
    "CO": (18000, 180000, 100), "MX": (89, 1499, Decimal("0.01")), "CL": (4990, 79990, 10),
    "PE": (15, 350, Decimal("0.01")), "EC": (5, 120, Decimal("0.01")),
    "PA": (5, 120, Decimal("0.01")), "PY": (35000, 650000, 1000),
    "GT": (39, 950, Decimal("0.01")), "AR": (4500, 95000, 100),
    "ES": (5, 90, Decimal("0.01")),
}
_ID_BASE = {country: 10000 * (i + 1) for i, country in enumerate(geography.COUNTRIES)}
EPOCH = datetime(2025, 1, 6, 13, 0, tzinfo=timezone.utc)


def _price(rng: random.Random, country: str, tier: int) -> tuple[Decimal, Decimal]:
    low, high, step = PRICES[country]
    span = (high - low) / 3
    cost = Decimal(low + span * (tier - 1)) + Decimal(rng.random()) * Decimal(span)
    if step < 1:
        cost = cost.quantize(Decimal(1)) + Decimal(rng.choice(["0.00", "0.50", "0.90"]))
        suggested = (cost * Decimal(rng.uniform(1.6, 2.2))).quantize(Decimal(1)) - Decimal("0.10")
    else:
        cost = (cost / step).quantize(Decimal(1)) * step
        suggested = (cost * Decimal(rng.uniform(1.6, 2.2)) / step).quantize(Decimal(1)) * step
    return cost.quantize(Decimal("0.01")), suggested.quantize(Decimal("0.01"))


def _description(rng: random.Random, name: str, city: str, hostile: str | None) -> str | None:
    if rng.random() < 0.04:
        return None
    benefits = "".join(f"<li>{b}</li>" for b in rng.sample(BENEFITS, 3))
    html = (f"<p><strong>{name}</strong>: calidad garantizada para tu tienda.</p>"
            f"<ul>{benefits}</ul><p>Despacho desde {city}.</p>")
    return html + hostile if hostile else html


def _stock_rows(rng: random.Random, sites, out_of_stock: bool) -> list[dict]:
    chosen = rng.sample(sites, rng.randint(1, len(sites)))
    return [{"warehouse_id": s.id, "stock": 0 if out_of_stock else rng.randint(0, 120),
             "warehouse": {"id": s.id, "name": s.name}} for s in chosen]


def _variations(rng, product_id, sku, attributes, cost, suggested, sites, out_of_stock):
    axes = []
    for attribute in attributes:
        values = COLORS if attribute == "Color" else SIZES[attribute]
        name = "Talla" if attribute == "Talla calzado" else attribute
        count = rng.randint(2, 3) if attribute == "Color" else rng.randint(3, len(values))
        axes.append([(name, v) for v in sorted(rng.sample(values, count), key=values.index)])
    combos = [[]]
    for axis in axes:
        combos = [combo + [pair] for combo in combos for pair in axis]
    rows = []
    for number, combo in enumerate(combos, start=1):
        extra = Decimal(number % 3) * (cost / 50).quantize(Decimal(1))
        rows.append({
            "id": product_id * 100 + number,
            "sku": "-".join([sku] + [value[:3].upper() for _, value in combo]),
            "sale_price": str((cost + extra).quantize(Decimal("0.01"))),
            "suggested_price": str(suggested),
            "warehouse_product_variation": _stock_rows(rng, sites, out_of_stock),
            "attribute_values": [{"value": v, "attribute_name": a} for a, v in combo],
        })
    return rows


def _product(rng: random.Random, country: str, index: int) -> dict:
    name, category, tier, attributes = TEMPLATES[index % len(TEMPLATES)]
    name = f"{name} {QUALIFIERS[(index // len(TEMPLATES)) % len(QUALIFIERS)]}"
    product_id = _ID_BASE[country] + index + 1
    sku = f"{country}{product_id}"
    cost, suggested = _price(rng, country, tier)
    sites, supplier = geography.warehouses(country), rng.choice(geography.suppliers(country))
    out_of_stock = rng.random() < 0.1
    hostile = HOSTILE[(index // 11) % len(HOSTILE)] if index % 11 == 5 else None
    product = {
        "id": product_id, "name": name, "sku": sku, "type": "VARIABLE" if attributes else "SIMPLE",
        "description": _description(rng, name, sites[0].city, hostile),
        "sale_price": str(cost), "suggested_price": str(suggested), "active": True,
        "weight": str(Decimal(rng.randint(1, 40)) / 10), "user_id": supplier.id,
        "user": {"id": supplier.id, "name": supplier.name},
        "categories": [{"id": category + 1, "name": CATEGORIES[category]}],
        "created_at": (EPOCH + timedelta(hours=7 * index)).isoformat().replace("+00:00", "Z"),
        "gallery": [{"id": product_id * 10 + n, "urlS3": f"images/{country.lower()}/"
                     f"{product_id}-{n}.png", "main": n == 1}
                    for n in range(1, rng.randint(1, 4) + 1)],
        "_favorite": rng.random() < 0.15, "_private": rng.random() < 0.08,
        "_absolute_images": index % 10 == 3, "_relative_url_images": index % 10 == 7,
    }
    if attributes:
        product["variations"] = _variations(rng, product_id, sku, attributes, cost, suggested,
                                            sites, out_of_stock)
    else:
        product["warehouse_product"] = _stock_rows(rng, sites, out_of_stock)
    refresh_stock(product)
    return product


def refresh_stock(product: dict) -> None:
    """Recompute the totals Dropi reports from the per-warehouse rows."""
    for variation in product.get("variations") or []:
        variation["stock"] = sum(r["stock"] for r in variation["warehouse_product_variation"])
    if product.get("variations"):
        totals: dict[int, dict] = {}
        for variation in product["variations"]:
            for row in variation["warehouse_product_variation"]:
                entry = totals.setdefault(row["warehouse_id"], {**row, "stock": 0})
                entry["stock"] += row["stock"]
        product["warehouse_product"] = list(totals.values())
    product["stock"] = sum(r["stock"] for r in product["warehouse_product"])


def build_catalog(country: str, size: int | None = None, seed: int = 7) -> dict[int, dict]:
    """{product id: product} for a country, the same for the same seed and size."""
    rng = random.Random(f"{seed}-{country}")
    size = size if size is not None else DEFAULT_SIZES.get(country, OTHER_COUNTRY_SIZE)
    products = [_product(rng, country, index) for index in range(size)]
    return {product["id"]: product for product in products}


def categories() -> list[dict]:
    return [{"id": i + 1, "name": name} for i, name in enumerate(CATEGORIES)]
