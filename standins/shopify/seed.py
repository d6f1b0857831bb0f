"""A realistic Colombian demo shop: COP prices, Bogotá time, two warehouses, a dozen products
(some with variants, one draft, one archived), customers, orders in the usual states (paid,
cash on delivery, shipped with tracking, cancelled) and an abandoned checkout. Everything goes
through the same code as the Admin API, so the data obeys the same rules."""
from __future__ import annotations

from standins.shopify import catalog, fulfillment, sales, storefront
from standins.shopify.records import money, slugify

VENDOR = "Importadora Andina"
WAREHOUSES = (
    ("Bodega Bogotá", "Calle 80 # 69-70", "Bogotá", "Bogotá, D.C.", "DC", "111061",
     "+576017458800"),
    ("Bodega Medellín", "Carrera 43A # 1-50", "Medellín", "Antioquia", "ANT", "050021",
     "+576044441234"),
)
# SKU prefix, title, product type, price, compare-at price, options {name: values},
# stock (Bogotá, Medellín), tags, status
PRODUCTS = (
    ("AUD-TWS", "Audífonos Bluetooth TWS Pro", "Audio", "89900", "129900", {},
     (40, 25), ["tecnologia", "mas-vendido"], "ACTIVE"),
    ("REL-INT", "Reloj Inteligente Deportivo", "Relojes", "149900", "199900",
     {"Color": ["Negro", "Rosa", "Azul"]}, (15, 10), ["tecnologia"], "ACTIVE"),
    ("CAM-ALG", "Camiseta Algodón Básica", "Ropa", "39900", None,
     {"Talla": ["S", "M", "L"], "Color": ["Blanco", "Negro"]}, (20, 12), ["ropa"], "ACTIVE"),
    ("LAM-LED", "Lámpara LED de Escritorio", "Hogar", "69900", "89900", {},
     (18, 0), ["hogar"], "ACTIVE"),
    ("TER-ACE", "Termo de Acero Inoxidable 1L", "Hogar", "54900", None,
     {"Color": ["Plateado", "Negro"]}, (30, 30), ["hogar", "regalo"], "ACTIVE"),
    ("ORG-COC", "Organizador de Cocina Giratorio", "Hogar", "45900", None, {},
     (0, 8), ["hogar"], "ACTIVE"),
    ("MAS-CER", "Masajeador Cervical Eléctrico", "Salud", "119900", "159900", {},
     (9, 6), ["salud", "mas-vendido"], "ACTIVE"),
    ("CAR-USB", "Cargador Rápido USB-C 20W", "Accesorios", "34900", None, {},
     (60, 45), ["tecnologia"], "ACTIVE"),
    ("MOC-ANT", "Mochila Antirrobo con Puerto USB", "Accesorios", "99900", "139900",
     {"Color": ["Gris", "Negro"]}, (12, 7), ["viaje"], "ACTIVE"),
    ("TEN-URB", "Tenis Deportivos Urbanos", "Calzado", "159900", None,
     {"Talla": ["38", "39", "40", "41", "42"]}, (6, 4), ["calzado"], "ACTIVE"),
    ("HUM-ARO", "Humidificador Aromaterapia", "Hogar", "64900", None, {},
     (5, 5), ["hogar"], "DRAFT"),
    ("GAF-POL", "Gafas de Sol Polarizadas", "Accesorios", "49900", None, {},
     (0, 0), ["verano"], "ARCHIVED"),
)
CUSTOMERS = (
    ("Laura", "Gómez", "laura.gomez@example.com", "+573001234567",
     ("Calle 45 # 12-34", "Bogotá", "Bogotá, D.C.", "DC", "110311")),
    ("Andrés", "Restrepo", "andres.restrepo@example.com", "+573104567890",
     ("Carrera 70 # 44-21", "Medellín", "Antioquia", "ANT", "050031")),
    ("Valentina", "Rojas", "valentina.rojas@example.com", "+573157778899",
     ("Avenida 6N # 23-50", "Cali", "Valle del Cauca", "VAC", "760045")),
    ("Camilo", "Martínez", "camilo.martinez@example.com", "+573202223344",
     ("Calle 84 # 51B-20", "Barranquilla", "Atlántico", "ATL", "080020")),
)


def _sku(prefix: str, values: tuple[str, ...]) -> str:
    codes = [slugify(value).upper()[:3] for value in values]
    return "-".join([prefix] + codes)


def _combinations(options: dict) -> list[tuple[str, ...]]:
    combos: list[tuple[str, ...]] = [()]
    for values in options.values():
        combos = [combo + (value,) for combo in combos for value in values]
    return combos


def _product_input(shop, spec) -> dict:
    prefix, title, kind, price, compare, options, stock, tags, status = spec
    options = options or {"Title": ["Default Title"]}
    bogota, medellin = [loc["id"] for loc in shop.locations.values()][:2]
    variants = []
    for combo in _combinations(options):
        label = () if combo == ("Default Title",) else combo
        variants.append({
            "optionValues": [{"optionName": name, "name": value}
                             for name, value in zip(options, combo)],
            "sku": _sku(prefix, label), "price": price, "compareAtPrice": compare,
            "inventoryItem": {"tracked": True},
            "inventoryQuantities": [
                {"locationId": bogota, "name": "available", "quantity": stock[0]},
                {"locationId": medellin, "name": "available", "quantity": stock[1]}]})
    return {"title": title, "vendor": VENDOR, "productType": kind, "tags": tags,
            "status": status,
            "descriptionHtml": f"<p>{title} con envío a toda Colombia y pago contra entrega.</p>",
            "productOptions": [{"name": name, "values": [{"name": v} for v in values]}
                               for name, values in options.items()],
            "variants": variants}


def _customers(shop) -> list[dict]:
    result = []
    for first, last, email, phone, (address1, city, province, code, zip_code) in CUSTOMERS:
        result.append(sales.upsert_customer(shop, {
            "firstName": first, "lastName": last, "email": email, "phone": phone,
            "addresses": [{"firstName": first, "lastName": last, "address1": address1,
                           "city": city, "province": province, "provinceCode": code,
                           "countryCode": "CO", "zip": zip_code, "phone": phone}]}))
    return result


def _address_of(customer: dict) -> dict:
    address = customer["defaultAddress"]
    return {key: address[key] for key in ("firstName", "lastName", "address1", "city",
                                          "province", "provinceCode", "zip", "phone")} | {
        "countryCode": "CO"}


def _orders(shop, customers: list[dict]) -> None:
    def order(customer, lines, status, shipping="12000"):
        fields = {"customer": {"email": customer["email"]}, "financial_status": status,
                  "shipping_address": _address_of(customer), "shipping": money(shipping),
                  "email": customer["email"], "phone": customer["phone"]}
        return storefront.storefront_order(shop, lines, fields)

    laura, andres, valentina, camilo = customers
    order(laura, [{"sku": "AUD-TWS", "quantity": 1}, {"sku": "CAR-USB", "quantity": 2}], "PAID")
    order(andres, [{"sku": "REL-INT-NEG", "quantity": 1}], "PENDING")  # contra entrega
    shipped = order(valentina, [{"sku": "TER-ACE-PLA", "quantity": 2}], "PAID")
    fulfillment.create_fulfillment(shop, {
        "lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": f}
                                        for f in shipped["_fulfillment_orders"]],
        "trackingInfo": {"company": "Servientrega", "number": "2045718833",
                         "url": "https://www.servientrega.com/wps/portal/rastreo-envio"}})
    cancelled = order(camilo, [{"sku": "MAS-CER", "quantity": 1}], "PENDING")
    fulfillment.cancel_order(shop, cancelled["id"], reason="CUSTOMER", restock=True,
                             refund=False, staff_note="El cliente canceló por WhatsApp")


def seed_demo_shop(store, domain: str) -> None:
    """Fill the (new) shop `domain` with the demo catalogue, customers and orders."""
    with store.transaction():
        shop = store.shop(domain)
        shop.record["name"] = "Tienda Andina"
        for name, address1, city, province, code, zip_code, phone in WAREHOUSES:
            catalog.create_location(shop, name, address1=address1, city=city,
                                    province=province, province_code=code, zip_code=zip_code,
                                    phone=phone)
        for spec in PRODUCTS:
            catalog.product_set(shop, _product_input(shop, spec))
        customers = _customers(shop)
        _orders(shop, customers)
        laura = customers[0]
        storefront.create_checkout(shop, [{"sku": "MOC-ANT-GRI", "quantity": 1}], {
            "customer": {"email": laura["email"]}, "email": laura["email"],
            "phone": laura["phone"], "shipping_address": _address_of(laura)})
