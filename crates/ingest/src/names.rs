//! What agencies call the schema's fields and codes, in English, French and Spanish: the
//! synonyms behind `palermo mapping suggest` and behind the "did you mean" of mapping errors.
//!
//! Every name is written in the form [`model::country::normalise`] gives (ASCII, lower case,
//! words separated by one space, articles dropped), so "Fecha de nacimiento", "FECHA DE
//! NACIMIENTO" and "fecha_de_nacimiento" all meet "fecha de nacimiento".

use model::RecordKind;
use model::vocab::Vocabulary;

/// Column headers by field. A field absent from a record kind is skipped for that kind, so
/// "nombre" is a given name in a person file and a number of persons in a justice file.
#[rustfmt::skip]
const FIELD_NAMES: &[(&str, &[&str])] = &[
    (
        "source_id",
        &[
            "id", "case id", "case no", "case number", "case", "record id", "record", "reference", "ref",
            "reference number", "file number", "client code", "client id", "code", "numero", "numero de dossier",
            "dossier", "n dossier", "no dossier", "identifiant", "expediente", "n expediente",
            "numero de expediente", "caso", "id caso", "n caso", "numero de caso", "codigo", "folio", "registro",
            "id registro",
        ],
    ),
    (
        "role",
        &[
            "role", "status", "statut", "rol", "category", "categorie", "categoria", "victim status",
            "type of person", "condicion", "calidad",
        ],
    ),
    ("year", &["year", "annee", "ano", "anio", "year of identification", "reference year", "ejercicio", "gestion"]),
    (
        "date",
        &[
            "date", "date identified", "identification date", "date of identification", "intake date",
            "date of intake", "admission date", "date of admission", "encounter date", "call date", "date recorded",
            "registration date", "date of registration", "date of referral", "referral date",
            "date d identification", "date d entree", "date de signalement", "date de prise en charge",
            "date d enregistrement", "date d admission", "date de identification", "fecha",
            "fecha de identificacion", "fecha de ingreso", "fecha de atencion", "fecha de registro",
            "fecha de deteccion", "fecha de derivacion",
        ],
    ),
    ("sex", &["sex", "gender", "sexe", "genre", "sexo", "genero", "sex code"]),
    (
        "age",
        &[
            "age", "edad", "age at identification", "age at intake", "age at admission", "age years", "age in years",
            "age ans", "edad anos", "age a identification", "edad al ingreso",
        ],
    ),
    (
        "age_band",
        &[
            "age band", "age group", "age range", "age category", "tranche d age", "classe d age", "groupe d age",
            "grupo de edad", "rango de edad", "grupo etario", "tramo de edad",
        ],
    ),
    (
        "citizenship",
        &[
            "citizenship", "nationality", "nationalite", "nacionalidad", "country of origin", "origin",
            "country of citizenship", "pays d origine", "pays de nationalite", "origine", "pais de origen", "origen",
            "ciudadania", "pais de nacionalidad",
        ],
    ),
    (
        "country_of_exploitation",
        &[
            "country of exploitation", "exploitation country", "country exploited", "destination",
            "country of destination", "destination country", "pays d exploitation", "pays de destination",
            "pais de explotacion", "pais de destino", "destino",
        ],
    ),
    (
        "subnational_area",
        &[
            "region", "province", "district", "area", "subnational area", "departement", "commune", "provincia",
            "departamento", "municipio", "comunidad autonoma", "zona",
        ],
    ),
    (
        "exploitation",
        &[
            "exploitation", "form of exploitation", "forms of exploitation", "type of exploitation",
            "exploitation type", "purpose", "purpose of exploitation", "type of trafficking", "trafficking type",
            "type d exploitation", "forme d exploitation", "formes d exploitation", "finalite", "explotacion",
            "tipo de explotacion", "forma de explotacion", "formas de explotacion", "finalidad",
            "finalidad de explotacion", "tipo de trata",
        ],
    ),
    (
        "labour_sector",
        &[
            "sector", "labour sector", "labor sector", "work sector", "industry", "economic sector", "isic",
            "isic section", "secteur", "secteur d activite", "sector economico", "sector laboral",
            "rama de actividad",
        ],
    ),
    (
        "means_of_control",
        &[
            "means of control", "control means", "means", "control", "indicators", "methods of control",
            "moyens de controle", "moyens de contrainte", "medios de control", "medios", "metodos de control",
        ],
    ),
    (
        "recruiter_relation",
        &[
            "recruiter", "recruiter relation", "relationship to recruiter", "recruited by", "recruteur",
            "lien avec recruteur", "recrute par", "reclutador", "relacion con reclutador", "reclutado por",
        ],
    ),
    (
        "cross_border",
        &[
            "cross border", "transnational", "cross border or domestic", "domestic or cross border",
            "transfrontalier", "interne ou transfrontalier", "transfronterizo", "interna o transnacional",
        ],
    ),
    (
        "services",
        &[
            "services", "services received", "services provided", "assistance", "support", "assistance provided",
            "prestations", "services recus", "aide", "servicios", "servicios recibidos", "asistencia",
            "asistencia recibida",
        ],
    ),
    (
        "referred_by",
        &[
            "referred by", "referral", "referral source", "referred from", "source of referral", "caller",
            "orientation", "oriente par", "adresse par", "signale par", "referido por", "derivado por", "derivacion",
            "fuente de derivacion",
        ],
    ),
    (
        "consent_data_sharing",
        &[
            "consent", "consent to share data", "consent given", "data sharing consent", "consentement",
            "consentement au partage", "consentimiento", "consentimiento informado",
        ],
    ),
    (
        "given_name",
        &[
            "given name", "given names", "first name", "first names", "forename", "forenames", "given initial",
            "prenom", "prenoms", "nombre", "nombres", "primer nombre",
        ],
    ),
    (
        "family_name",
        &[
            "family name", "surname", "last name", "lastname", "family initial", "nom", "nom de famille", "apellido",
            "apellidos", "primer apellido",
        ],
    ),
    (
        "date_of_birth",
        &[
            "date of birth", "dob", "birth date", "birthdate", "born", "year of birth", "date de naissance", "ne",
            "ne e", "naissance", "annee de naissance", "fecha de nacimiento", "nacimiento", "f nacimiento",
            "ano de nacimiento",
        ],
    ),
    ("place_of_birth", &["place of birth", "birthplace", "lieu de naissance", "lugar de nacimiento"]),
    (
        "document_number",
        &[
            "document number", "document", "id document", "passport", "passport number", "passport id no",
            "travel document", "numero de passeport", "piece d identite", "numero de piece d identite",
            "numero de documento", "documento", "documento de identidad", "pasaporte", "dni", "cedula",
        ],
    ),
    ("stage", &["stage", "status", "etape", "stade", "etapa", "fase", "stage of proceedings"]),
    ("offence", &["offence", "offense", "iccs", "iccs code", "infraction", "delito", "tipo penal"]),
    (
        "sentence_months",
        &[
            "sentence months", "sentence", "sentence in months", "peine mois", "peine", "condena meses", "condena",
            "pena",
        ],
    ),
    (
        "count",
        &[
            "count", "persons", "number", "number of persons", "n", "nombre", "effectif", "personnes", "cantidad",
            "personas", "total", "numero de personas",
        ],
    ),
];

/// What cells hold for a vocabulary's codes, by vocabulary and code. The codes themselves, with
/// spaces for underscores, and their labels are recognised without being listed.
/// A code and what cells hold for it.
type CodeNames = (&'static str, &'static [&'static str]);

#[rustfmt::skip]
const VALUE_NAMES: &[(&str, &[CodeNames])] = &[
    (
        "role",
        &[
            (
                "victim_identified",
                &[
                    "identified", "identified victim", "confirmed", "confirmed victim", "victim", "victime",
                    "victime identifiee", "victima", "victima identificada", "victima confirmada",
                ],
            ),
            (
                "victim_presumed",
                &[
                    "presumed", "presumed victim", "potential", "potential victim", "possible victim", "presumptive",
                    "victime presumee", "victime potentielle", "presunta victima", "victima presunta",
                    "posible victima",
                ],
            ),
            ("suspect", &["suspect", "trafficker", "suspected trafficker", "trafiquant", "tratante", "sospechoso"]),
        ],
    ),
    (
        "sex",
        &[
            ("female", &["f", "w", "woman", "women", "girl", "femme", "feminin", "fille", "mujer", "femenino", "nina"]),
            (
                "male",
                &["m", "h", "man", "men", "boy", "homme", "masculin", "garcon", "hombre", "masculino", "nino", "varon"],
            ),
            ("other", &["autre", "otro", "non binary", "diverse"]),
        ],
    ),
    (
        "age_band",
        &[
            (
                "child",
                &["minor", "child", "children", "under 18", "mineur", "enfant", "menor", "menor de edad", "nino"],
            ),
            ("adult", &["adult", "adulte", "adulto", "major", "majeur", "mayor", "mayor de edad", "18 and over"]),
        ],
    ),
    (
        "exploitation",
        &[
            (
                "sexual",
                &[
                    "sexual", "sex", "sexual exploitation", "commercial sexual exploitation", "prostitution",
                    "exploitation sexuelle", "sexuelle", "explotacion sexual", "prostitucion",
                ],
            ),
            (
                "forced_labour",
                &[
                    "labour", "labor", "forced labour", "forced labor", "labour exploitation", "labor exploitation",
                    "domestic servitude", "servitude", "travail force", "exploitation par travail",
                    "exploitation du travail", "trabajo forzoso", "trabajos forzados", "explotacion laboral",
                    "laboral", "servidumbre",
                ],
            ),
            (
                "forced_criminality",
                &[
                    "criminal", "crime", "forced crime", "forced criminality", "forced criminal activities",
                    "criminal activities", "criminalite forcee", "activites criminelles", "delinquance forcee",
                    "actividades delictivas", "delitos forzados", "criminalidad forzada",
                ],
            ),
            (
                "forced_begging",
                &["begging", "forced begging", "mendicite", "mendicite forcee", "mendicidad", "mendicidad forzada"],
            ),
            (
                "forced_marriage",
                &["marriage", "forced marriage", "mariage force", "mariage", "matrimonio forzado", "matrimonio servil"],
            ),
            (
                "organ_removal",
                &[
                    "organ", "organs", "organ removal", "removal of organs", "organ trafficking",
                    "prelevement d organes", "extraction d organes", "extraccion de organos", "organos",
                ],
            ),
            ("other", &["autre", "autres", "otro", "otros", "otra", "other forms"]),
        ],
    ),
    (
        "labour_sector",
        &[
            ("agriculture", &["farming", "farm", "agricultural", "agricole", "agricultura", "a", "a01"]),
            ("construction", &["building", "btp", "batiment", "construccion", "f"]),
            (
                "domestic_work",
                &[
                    "domestic", "domestic work", "household", "travail domestique", "trabajo domestico", "domestico",
                    "t",
                ],
            ),
            (
                "hospitality",
                &[
                    "hotels", "restaurants", "hotels restaurants", "hotels and restaurants", "hotellerie",
                    "restauration", "hosteleria", "hoteleria", "i",
                ],
            ),
            ("manufacturing", &["factory", "industry", "usine", "industrie", "manufactura", "fabrica", "c"]),
            ("fishing", &["fisheries", "fishery", "peche", "pesca", "a03"]),
            ("other", &["autre", "otro", "otros"]),
        ],
    ),
    (
        "means_of_control",
        &[
            (
                "debt_bondage",
                &[
                    "debt", "debts", "servitude pour dettes", "dette", "dettes", "deuda", "deudas",
                    "servidumbre por deudas",
                ],
            ),
            (
                "threats",
                &["threat", "intimidation", "intimidation and threats", "menaces", "menace", "amenazas", "amenaza"],
            ),
            (
                "physical_abuse",
                &["violence", "physical violence", "violence physique", "violencia", "violencia fisica"],
            ),
            (
                "sexual_abuse",
                &["sexual violence", "violence sexuelle", "violencia sexual", "abuso sexual", "abus sexuels"],
            ),
            ("false_promises", &["deception", "fraud", "tromperie", "fausses promesses", "engano", "promesas falsas"]),
            ("drugs_alcohol", &["drugs", "alcohol", "drugs and alcohol", "drogues", "drogas", "drogas y alcohol"]),
            ("deprivation", &["abusive living conditions", "privation", "privacion", "privaciones"]),
            (
                "excessive_hours",
                &["long hours", "excessive overtime", "overtime", "heures excessives", "jornadas excesivas"],
            ),
            (
                "withheld_documents",
                &[
                    "documents taken", "confiscated documents", "confiscation of documents",
                    "retention of identity documents", "documents confisques", "confiscation des documents",
                    "retencion de documentos", "documentos retenidos",
                ],
            ),
            ("other", &["autre", "otro", "otros"]),
        ],
    ),
    (
        "recruiter_relation",
        &[
            (
                "intimate_partner",
                &["partner", "boyfriend", "husband", "partenaire", "conjoint", "pareja", "novio", "esposo"],
            ),
            ("friend", &["ami", "amie", "amigo", "amiga", "acquaintance", "conocido", "connaissance"]),
            ("family", &["family member", "relative", "famille", "parent", "familia", "familiar", "pariente"]),
            ("employer", &["employeur", "empleador", "patron", "jefe"]),
            ("other", &["autre", "otro", "stranger", "inconnu", "desconocido"]),
        ],
    ),
    (
        "cross_border",
        &[
            (
                "cross_border",
                &["international", "transnational", "transfrontalier", "transnacional", "internacional", "external"],
            ),
            ("domestic", &["internal", "national", "interne", "interno", "interna", "nacional"]),
        ],
    ),
    (
        "services",
        &[
            ("shelter", &["accommodation", "housing", "hebergement", "refugio", "albergue", "alojamiento"]),
            (
                "medical",
                &[
                    "medical care", "health", "healthcare", "soins medicaux", "soins", "medico", "atencion medica",
                    "salud",
                ],
            ),
            (
                "psychological",
                &["counselling", "counseling", "psychosocial", "psychologique", "psicologico", "atencion psicologica"],
            ),
            (
                "legal",
                &[
                    "legal aid", "legal assistance", "juridique", "aide juridique", "asistencia juridica",
                    "asesoria legal",
                ],
            ),
            ("return", &["assisted return", "repatriation", "retour", "retour volontaire", "retorno", "repatriacion"]),
            ("residence_permit", &["permit", "titre de sejour", "permis de sejour", "permiso de residencia"]),
            ("other", &["autre", "otro", "otros"]),
        ],
    ),
    (
        "referred_by",
        &[
            ("police", &["policia", "gendarmerie"]),
            ("prosecution", &["prosecutor", "parquet", "procureur", "fiscalia", "ministerio publico"]),
            ("court", &["tribunal", "juzgado", "juge", "juez"]),
            ("immigration", &["immigration service", "migracion", "border police"]),
            (
                "labour_inspection",
                &["labour inspectorate", "labor inspection", "inspection du travail", "inspeccion de trabajo"],
            ),
            ("ngo", &["ong", "association", "asociacion"]),
            ("shelter", &["refuge", "refugio", "albergue"]),
            ("hotline", &["helpline", "ligne d ecoute", "linea de ayuda"]),
            ("social_services", &["services sociaux", "servicios sociales"]),
            ("self", &["self referral", "victim", "victime", "victima", "autoderivacion", "elle meme", "lui meme"]),
            ("other", &["third party", "autre", "otro", "tercero"]),
        ],
    ),
    (
        "yes_no",
        &[("yes", &["y", "oui", "si", "1", "true", "given", "o"]), ("no", &["n", "non", "0", "false", "refused"])],
    ),
    (
        "justice_stage",
        &[
            ("investigated", &["investigation", "inv", "enquete", "investigacion", "investigado"]),
            ("prosecuted", &["prosecution", "pros", "poursuivi", "poursuites", "procesado", "acusado", "imputado"]),
            ("convicted", &["conviction", "conv", "condamne", "condamnation", "condenado", "condena"]),
            ("acquitted", &["acquittal", "acq", "acquitte", "absuelto", "absolucion"]),
        ],
    ),
];

/// The form in which names and cells are compared (the country table's: ASCII, lower case, one
/// space between words, articles dropped), with the degree sign of "N°" read as a space.
pub fn normalise(text: &str) -> String {
    model::country::normalise(&text.replace(['°', 'º'], " "))
}

/// The header names of a field (normalised), its canonical name first.
pub fn field_names(field: &str) -> impl Iterator<Item = String> + '_ {
    let listed = FIELD_NAMES.iter().filter(move |(name, _)| *name == field).flat_map(|(_, names)| names.iter());
    std::iter::once(normalise(field)).chain(listed.map(|name| (*name).to_owned()))
}

/// How well a column header names a field of `kind`: 1 when the header is one of its names,
/// 0.7 when it contains one of its names of four letters or more as whole words ("Fecha de
/// nacimiento de la víctima"), or its string similarity to the closest name when that reaches
/// 0.85 (a typo); each field's best, sorted best first, only those above zero.
pub fn fields_named(kind: RecordKind, header: &str) -> Vec<(&'static str, f64)> {
    let header = normalise(&split_camel_case(header));
    if header.is_empty() {
        return Vec::new();
    }
    let padded = format!(" {header} ");
    let mut scored: Vec<(&'static str, f64, usize)> = kind
        .fields()
        .iter()
        .filter_map(|f| {
            field_names(f.name)
                .map(|name| {
                    if name == header {
                        (1.0, name.len())
                    } else if (name.len() >= 4 || name == "id") && padded.contains(&format!(" {name} ")) {
                        (0.7, name.len())
                    } else {
                        let similarity = strsim::normalized_damerau_levenshtein(&header, &name);
                        (if similarity >= 0.85 { similarity * 0.8 } else { 0.0 }, name.len())
                    }
                })
                .max_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
                .filter(|(score, _)| *score > 0.0)
                .map(|(score, len)| (f.name, score, len))
        })
        .collect();
    // Of two fields contained in a header, the one with the longer name is meant ("date of
    // birth" holds "date").
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.2.cmp(&a.2)));
    scored.into_iter().map(|(name, score, _)| (name, score)).collect()
}

/// "AdmissionDate" → "Admission Date", "ResidentID" → "Resident ID": headers written in camel
/// case are compared word by word.
fn split_camel_case(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 4);
    let mut previous: Option<char> = None;
    for c in text.chars() {
        if c.is_uppercase() && previous.is_some_and(char::is_lowercase) {
            out.push(' ');
        }
        out.push(c);
        previous = Some(c);
    }
    out
}

/// The field a mistaken name in a mapping most likely meant: a header name of the field
/// ("Nationality" → citizenship), or the field name closest in spelling ("citizenship" for
/// "citizenshp"), or none.
pub fn did_you_mean_field(kind: RecordKind, name: &str) -> Option<&'static str> {
    if let Some((field, score)) = fields_named(kind, name).first()
        && *score >= 0.7
    {
        return Some(field);
    }
    closest(name, kind.fields().iter().map(|f| f.name))
}

/// The candidate closest in spelling to `text` (normalised Damerau–Levenshtein similarity, at
/// least 0.6), or none.
pub fn closest<'a>(text: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let text = text.trim().to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::normalized_damerau_levenshtein(&text, c), c))
        .filter(|(score, _)| *score >= 0.6)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// What a cell says of a vocabulary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TermMatch {
    /// A code as Palermo reads it already (no recoding needed).
    Code(&'static str),
    /// One code, by a synonym or a label: a recoding is needed.
    Synonym(&'static str),
    /// Several codes fit equally well: a person must choose.
    Ambiguous(Vec<&'static str>),
    None,
}

/// The synonyms of one code (normalised), its label and its code written with spaces included.
fn term_names(vocab: &Vocabulary, code: &'static str) -> Vec<String> {
    let mut names = vec![code.replace('_', " ")];
    if let Some(term) = vocab.terms.iter().find(|t| t.code == code) {
        names.push(normalise(term.label));
    }
    for (v, terms) in VALUE_NAMES {
        if *v == vocab.name {
            for (c, synonyms) in terms.iter() {
                if *c == code {
                    names.extend(synonyms.iter().map(|s| (*s).to_owned()));
                }
            }
        }
    }
    names
}

/// Which code of `vocab` a cell means: the code itself; else a synonym or label equal to the
/// cell; else the codes with a synonym of four letters or more that the cell contains as whole
/// words ("explotación sexual comercial" → sexual), the longest synonym deciding.
pub fn term_for(vocab: &'static Vocabulary, cell: &str) -> TermMatch {
    if let Some(term) = vocab.lookup(cell) {
        return TermMatch::Code(term.code);
    }
    let text = normalise(cell);
    if text.is_empty() {
        return TermMatch::None;
    }
    let padded = format!(" {text} ");
    let mut exact = Vec::new();
    let mut contained: Vec<(usize, String, &'static str)> = Vec::new();
    for code in vocab.codes() {
        for name in term_names(vocab, code) {
            if name == text {
                exact.push(code);
            } else if name.len() >= 4 && padded.contains(&format!(" {name} ")) {
                contained.push((name.len(), name, code));
            }
        }
    }
    exact.dedup();
    match exact.as_slice() {
        [code] => return TermMatch::Synonym(code),
        [_, _, ..] => return TermMatch::Ambiguous(exact),
        [] => {}
    }
    // The longest name contained decides, unless the cell also holds a name of another code
    // that is not part of it ("trabajo forzoso, mendicidad" holds two forms: a list, not one).
    let Some((_, longest, code)) = contained.iter().max_by_key(|(len, _, _)| *len) else {
        return TermMatch::None;
    };
    let code = *code;
    let mut others: Vec<&'static str> = contained
        .iter()
        .filter(|(_, name, c)| *c != code && !longest.contains(name.as_str()))
        .map(|(_, _, c)| *c)
        .collect();
    if others.is_empty() {
        return TermMatch::Synonym(code);
    }
    others.push(code);
    others.sort_unstable();
    others.dedup();
    TermMatch::Ambiguous(others)
}

/// The code a mistaken recoding target most likely meant: a synonym ("woman" → female) or the
/// code closest in spelling ("forced_labor" → forced_labour).
pub fn did_you_mean_code(vocab: &'static Vocabulary, text: &str) -> Option<&'static str> {
    match term_for(vocab, text) {
        TermMatch::Code(code) | TermMatch::Synonym(code) => Some(code),
        _ => closest(text, vocab.codes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::vocab;

    #[test]
    fn headers_in_three_languages_name_their_fields() {
        let best = |header: &str| fields_named(RecordKind::Persons, header).first().map(|(f, _)| *f);
        assert_eq!(best("Nacionalidad"), Some("citizenship"));
        assert_eq!(best("Date de naissance"), Some("date_of_birth"));
        assert_eq!(best("FECHA DE NACIMIENTO"), Some("date_of_birth"));
        assert_eq!(best("N° dossier"), Some("source_id"));
        assert_eq!(best("Nombre"), Some("given_name"));
        assert_eq!(fields_named(RecordKind::Justice, "Nombre").first().map(|(f, _)| *f), Some("count"));
        assert_eq!(best("Type d'exploitation"), Some("exploitation"));
        assert_eq!(best("Notes of the officer"), None);
        assert_eq!(best("AdmissionDate"), Some("date"));
        assert_eq!(best("ResidentID"), Some("source_id"));
        assert_eq!(best("Call ID"), Some("source_id"));
        assert_eq!(best("ID document"), Some("document_number"));
    }

    #[test]
    fn cells_find_their_codes() {
        assert_eq!(term_for(&vocab::SEX, "Female"), TermMatch::Code("female"));
        assert_eq!(term_for(&vocab::SEX, "Mujer"), TermMatch::Synonym("female"));
        assert_eq!(term_for(&vocab::EXPLOITATION, "Explotación sexual comercial"), TermMatch::Synonym("sexual"));
        assert_eq!(term_for(&vocab::EXPLOITATION, "travail forcé"), TermMatch::Synonym("forced_labour"));
        assert_eq!(term_for(&vocab::EXPLOITATION, "pickpocketing"), TermMatch::None);
        assert_eq!(did_you_mean_code(&vocab::SEX, "woman"), Some("female"));
        assert_eq!(did_you_mean_code(&vocab::EXPLOITATION, "forced_labor"), Some("forced_labour"));
        assert_eq!(did_you_mean_field(RecordKind::Persons, "Nationality"), Some("citizenship"));
        assert_eq!(did_you_mean_field(RecordKind::Persons, "citizenshp"), Some("citizenship"));
    }

    #[test]
    fn every_synonym_names_a_field_or_code_of_the_schema() {
        for (field, _) in FIELD_NAMES {
            assert!(RecordKind::Persons.field(field).or_else(|| RecordKind::Justice.field(field)).is_some(), "{field}");
        }
        let vocabularies = [
            &vocab::ROLE,
            &vocab::SEX,
            &vocab::AGE_BAND,
            &vocab::EXPLOITATION,
            &vocab::LABOUR_SECTOR,
            &vocab::MEANS_OF_CONTROL,
            &vocab::RECRUITER_RELATION,
            &vocab::CROSS_BORDER,
            &vocab::SERVICES,
            &vocab::REFERRED_BY,
            &vocab::YES_NO,
            &vocab::JUSTICE_STAGE,
        ];
        for (name, terms) in VALUE_NAMES {
            let v = vocabularies.iter().find(|v| v.name == *name).unwrap_or_else(|| panic!("vocabulary {name}"));
            for (code, synonyms) in terms.iter() {
                assert!(v.codes().any(|c| c == *code), "{name}: {code}");
                for s in synonyms.iter() {
                    assert_eq!(normalise(s), *s, "{name}: {s} is not normalised");
                }
            }
        }
        for (_, names) in FIELD_NAMES {
            for n in names.iter() {
                assert_eq!(normalise(n), *n, "{n} is not normalised");
            }
        }
    }
}
