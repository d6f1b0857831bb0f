"""Departments, cities (Colombia keyed by Dropi's 7-8 character cod_dane), warehouses, carriers and suppliers of
the Dropi stand-in, per country. Plain data plus small lookups; nothing here changes."""
from __future__ import annotations

from dataclasses import dataclass

# country -> [(department, [(city, cod_dane or None)])]
_PLACES: dict[str, list[tuple[str, list[tuple[str, str | None]]]]] = {
    "CO": [
        ("Antioquia", [("Medellín", "05001"), ("Bello", "05088"), ("Envigado", "05266"),
                       ("Itagüí", "05360"), ("Rionegro", "05615")]),
        ("Atlántico", [("Barranquilla", "08001"), ("Soledad", "08758")]),
        ("Bogotá D.C.", [("Bogotá", "11001")]),
        ("Bolívar", [("Cartagena", "13001")]),
        ("Boyacá", [("Tunja", "15001"), ("Duitama", "15238"), ("Sogamoso", "15759")]),
        ("Caldas", [("Manizales", "17001")]),
        ("Cauca", [("Popayán", "19001")]),
        ("Cesar", [("Valledupar", "20001")]),
        ("Córdoba", [("Montería", "23001")]),
        ("Cundinamarca", [("Chía", "25175"), ("Facatativá", "25269"), ("Fusagasugá", "25290"),
                          ("Soacha", "25754"), ("Zipaquirá", "25899")]),
        ("Huila", [("Neiva", "41001")]),
        ("Magdalena", [("Santa Marta", "47001")]),
        ("Meta", [("Villavicencio", "50001")]),
        ("Nariño", [("Pasto", "52001")]),
        ("Norte de Santander", [("Cúcuta", "54001")]),
        ("Quindío", [("Armenia", "63001")]),
        ("Risaralda", [("Pereira", "66001"), ("Dosquebradas", "66170")]),
        ("Santander", [("Bucaramanga", "68001"), ("Floridablanca", "68276"),
                       ("Girón", "68307"), ("Piedecuesta", "68547")]),
        ("Sucre", [("Sincelejo", "70001")]),
        ("Tolima", [("Ibagué", "73001")]),
        ("Valle del Cauca", [("Cali", "76001"), ("Buenaventura", "76109"),
                             ("Palmira", "76520"), ("Tuluá", "76834")]),
    ],
    "MX": [
        ("Ciudad de México", [("Cuauhtémoc", None), ("Benito Juárez", None),
                              ("Coyoacán", None), ("Miguel Hidalgo", None)]),
        ("Estado de México", [("Toluca", None), ("Ecatepec", None), ("Naucalpan", None)]),
        ("Jalisco", [("Guadalajara", None), ("Zapopan", None), ("Tlaquepaque", None)]),
        ("Nuevo León", [("Monterrey", None), ("San Pedro Garza García", None)]),
        ("Puebla", [("Puebla", None)]),
        ("Guanajuato", [("León", None), ("Irapuato", None)]),
        ("Querétaro", [("Querétaro", None)]),
        ("Yucatán", [("Mérida", None)]),
        ("Veracruz", [("Veracruz", None), ("Xalapa", None)]),
        ("Baja California", [("Tijuana", None), ("Mexicali", None)]),
    ],
    "CL": [("Región Metropolitana", [("Santiago", None), ("Puente Alto", None)]),
           ("Valparaíso", [("Valparaíso", None), ("Viña del Mar", None)])],
    "PE": [("Lima", [("Lima", None), ("Miraflores", None)]), ("Arequipa", [("Arequipa", None)])],
    "EC": [("Pichincha", [("Quito", None)]), ("Guayas", [("Guayaquil", None)])],
    "PA": [("Panamá", [("Ciudad de Panamá", None)]), ("Chiriquí", [("David", None)])],
    "PY": [("Asunción", [("Asunción", None)]), ("Alto Paraná", [("Ciudad del Este", None)])],
    "GT": [("Guatemala", [("Ciudad de Guatemala", None), ("Mixco", None)]),
           ("Quetzaltenango", [("Quetzaltenango", None)])],
    "AR": [("Buenos Aires", [("La Plata", None), ("Mar del Plata", None)]),
           ("Córdoba", [("Córdoba", None)])],
    "ES": [("Madrid", [("Madrid", None), ("Alcalá de Henares", None)]),
           ("Barcelona", [("Barcelona", None)]), ("Valencia", [("Valencia", None)])],
}
COUNTRIES = tuple(_PLACES)
_OFFSETS = {country: (index + 1) * 1000 for index, country in enumerate(COUNTRIES)}

_CARRIERS = {
    "CO": ["SERVIENTREGA", "ENVIA", "INTERRAPIDISIMO", "COORDINADORA", "TCC", "DOMINA"],
    "MX": ["ESTAFETA", "99MINUTOS", "DHL", "FEDEX", "J&T EXPRESS"],
    "CL": ["STARKEN", "CHILEXPRESS", "BLUE EXPRESS"], "PE": ["OLVA COURIER", "SHALOM"],
    "EC": ["SERVIENTREGA", "LAARCOURIER"], "PA": ["UNO EXPRESS", "FEDEX"],
    "PY": ["AEX", "FAST BOX"], "GT": ["CARGO EXPRESO", "GUATEX"],
    "AR": ["ANDREANI", "CORREO ARGENTINO", "OCA"], "ES": ["SEUR", "CORREOS EXPRESS", "GLS"],
}
# Warehouses: (name, department, city); suppliers: names.
_WAREHOUSES = {
    "CO": [("Bodega Bogotá Montevideo", "Bogotá D.C.", "Bogotá"),
           ("Bodega Medellín Guayabal", "Antioquia", "Medellín"),
           ("Bodega Cali Acopi", "Valle del Cauca", "Cali")],
    "MX": [("Almacén CDMX Vallejo", "Ciudad de México", "Cuauhtémoc"),
           ("Almacén Guadalajara", "Jalisco", "Guadalajara"),
           ("Almacén Monterrey", "Nuevo León", "Monterrey")],
}
_SUPPLIERS = {
    "CO": ["Importadora Andina", "Distribuciones La 80", "Tecno Bodega Colombia"],
    "MX": ["Mayoreo del Bajío", "Importaciones Azteca", "Tecno Almacén MX"],
}


@dataclass(frozen=True)
class Place:
    id: int
    name: str
    department_id: int
    cod_dane: str | None
    department: str


@dataclass(frozen=True)
class Site:
    """A warehouse, carrier or supplier: an id and a name, and where it is when it matters."""

    id: int
    name: str
    city: str = ""
    department: str = ""


def departments(country: str) -> list[dict]:
    offset = _OFFSETS[country]
    return [{"id": offset + i + 1, "name": name, "country": country}
            for i, (name, _) in enumerate(_PLACES[country])]


def dropi_cod_dane(dane: str | None) -> str | None:
    """Dropi's city code from a 5-digit DANE code: without the leading zero and with the
    3-digit town suffix, so 7 or 8 characters ("05001" -> "5001000", "11001" -> "11001000"),
    as the live API sends it (dropi-integration-facts §3)."""
    return None if dane is None else f"{int(dane)}000"


def cities(country: str) -> list[Place]:
    offset, places, number = _OFFSETS[country], [], 0
    for index, (department, towns) in enumerate(_PLACES[country]):
        for name, dane in towns:
            number += 1
            places.append(Place(offset * 10 + number, name, offset + index + 1,
                                dropi_cod_dane(dane), department))
    return places


def find_city(country: str, *, city_id=None, cod_dane=None, name=None) -> Place | None:
    for place in cities(country):
        if city_id is not None and str(place.id) == str(city_id):
            return place
        if cod_dane and place.cod_dane == str(cod_dane):
            return place
    if name:
        wanted = str(name).strip().casefold()
        return next((p for p in cities(country) if p.name.casefold() == wanted), None)
    return None


def warehouses(country: str) -> list[Site]:
    rows = _WAREHOUSES.get(country)
    if rows is None:
        capital = _PLACES[country][0]
        rows = [(f"Bodega {capital[1][0][0]}", capital[0], capital[1][0][0])]
    offset = _OFFSETS[country]
    return [Site(offset + 100 + i + 1, name, city, dep) for i, (name, dep, city) in
            enumerate(rows)]


def carriers(country: str) -> list[Site]:
    offset = _OFFSETS[country]
    return [Site(offset // 100 + i + 1, name) for i, name in enumerate(_CARRIERS[country])]


def suppliers(country: str) -> list[Site]:
    names = _SUPPLIERS.get(country) or [f"Proveedor {country} Uno", f"Proveedor {country} Dos"]
    offset = _OFFSETS[country]
    return [Site(offset + 300 + i + 1, name) for i, name in enumerate(names)]
