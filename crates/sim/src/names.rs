//! Generic name lists for synthetic identities, and the ways agencies garble names.
//!
//! The lists hold common given and family names of several regions (each entry: the usual
//! romanisation first, then transliteration or spelling variants). A simulated person gets a random
//! combination; none is, or is meant to be, a real person. Demoland's own names are a generic
//! European mix because Demoland is fictional.

use rand::Rng;

/// Names of one origin: every entry is `[usual spelling, variants…]`.
#[derive(Debug)]
pub(crate) struct NameSet {
    pub(crate) female: &'static [&'static [&'static str]],
    pub(crate) male: &'static [&'static [&'static str]],
    pub(crate) family: &'static [&'static [&'static str]],
    /// Family names take a feminine `-a` ending for women (Bulgarian `Ivanov`/`Ivanova`).
    pub(crate) feminine_a: bool,
    /// The person's own convention writes the family name first, so agencies often swap them.
    pub(crate) family_first: bool,
    /// How often an agency writes a transliteration/spelling variant instead of the usual form.
    pub(crate) variant_rate: f64,
}

pub(crate) static DEMOLAND: NameSet = NameSet {
    female: &[
        &["Anna"],
        &["Maria"],
        &["Elena"],
        &["Laura"],
        &["Sofia", "Sophia"],
        &["Julia"],
        &["Eva"],
        &["Clara", "Klara"],
        &["Nina"],
        &["Lena"],
        &["Sara", "Sarah"],
        &["Marta", "Martha"],
        &["Helena"],
        &["Irene"],
        &["Katrin", "Katrine"],
    ],
    male: &[
        &["Peter"],
        &["Martin"],
        &["Thomas", "Tomas"],
        &["Daniel"],
        &["David"],
        &["Lukas", "Lucas"],
        &["Jonas"],
        &["Marko", "Marco"],
        &["Stefan", "Stephan"],
        &["Paul"],
        &["Adrian"],
        &["Simon"],
        &["Erik", "Eric"],
        &["Viktor", "Victor"],
        &["Jan"],
    ],
    family: &[
        &["Novak", "Nowak"],
        &["Berger"],
        &["Horvat", "Horvath"],
        &["Kovac", "Kovach"],
        &["Lang"],
        &["Weber"],
        &["Keller"],
        &["Hoffmann", "Hofmann"],
        &["Marin"],
        &["Varga"],
        &["Fischer"],
        &["Baumann"],
        &["Krause", "Kraus"],
        &["Meyer", "Meier", "Maier"],
        &["Schmidt", "Schmid"],
        &["Petersen"],
        &["Lindqvist"],
        &["Halden"],
        &["Moretti"],
        &["Brandt"],
    ],
    feminine_a: false,
    family_first: false,
    variant_rate: 0.05,
};

pub(crate) static ROMANIAN: NameSet = NameSet {
    female: &[
        &["Ioana"],
        &["Maria"],
        &["Elena"],
        &["Andreea", "Andrea"],
        &["Mihaela"],
        &["Alexandra"],
        &["Cristina"],
        &["Florentina"],
        &["Georgiana"],
        &["Roxana"],
        &["Simona"],
    ],
    male: &[
        &["Ion", "Ioan"],
        &["Andrei"],
        &["Mihai"],
        &["Gheorghe"],
        &["Alexandru"],
        &["Florin"],
        &["Constantin"],
        &["Ștefan", "Stefan"],
        &["Răzvan", "Razvan"],
        &["Marian"],
        &["Costel"],
        &["Nicolae"],
    ],
    family: &[
        &["Popescu"],
        &["Ionescu"],
        &["Popa"],
        &["Dumitru"],
        &["Stan"],
        &["Stoica"],
        &["Munteanu"],
        &["Constantin"],
        &["Ștefănescu", "Stefanescu"],
        &["Bălan", "Balan"],
        &["Lungu"],
        &["Rusu"],
        &["Matei"],
        &["Ciobanu"],
        &["Moldovan"],
        &["Țurcan", "Turcan"],
    ],
    feminine_a: false,
    family_first: false,
    variant_rate: 0.15,
};

pub(crate) static BULGARIAN: NameSet = NameSet {
    female: &[
        &["Ivana"],
        &["Maria"],
        &["Desislava"],
        &["Elena"],
        &["Petya", "Petia"],
        &["Gergana"],
        &["Yordanka", "Jordanka"],
        &["Ralitsa", "Ralica"],
        &["Tsvetelina", "Cvetelina"],
        &["Nadezhda", "Nadejda"],
    ],
    male: &[
        &["Georgi", "Georgy"],
        &["Ivan"],
        &["Dimitar", "Dimityr"],
        &["Nikolay", "Nikolai"],
        &["Petar", "Peter"],
        &["Stoyan", "Stojan"],
        &["Hristo", "Christo"],
        &["Todor"],
        &["Kiril"],
    ],
    family: &[
        &["Ivanov"],
        &["Petrov"],
        &["Georgiev"],
        &["Dimitrov"],
        &["Nikolov"],
        &["Stoyanov", "Stojanov"],
        &["Todorov"],
        &["Hristov", "Christov"],
        &["Angelov"],
        &["Yordanov", "Jordanov"],
        &["Kolev"],
        &["Marinov"],
    ],
    feminine_a: true,
    family_first: false,
    variant_rate: 0.2,
};

pub(crate) static UKRAINIAN: NameSet = NameSet {
    female: &[
        &["Olena", "Elena"],
        &["Iryna", "Irina"],
        &["Tetiana", "Tatiana", "Tetyana"],
        &["Nataliia", "Natalia", "Nataliya"],
        &["Oksana"],
        &["Yuliia", "Yulia", "Julia"],
        &["Kateryna", "Katerina", "Ekaterina"],
        &["Svitlana", "Svetlana"],
        &["Anastasiia", "Anastasia"],
        &["Viktoriia", "Viktoria", "Victoria"],
    ],
    male: &[
        &["Oleksandr", "Oleksander", "Alexander", "Aleksandr"],
        &["Andrii", "Andriy", "Andrey"],
        &["Serhii", "Serhiy", "Sergiy", "Sergey"],
        &["Mykola", "Nikolai"],
        &["Volodymyr", "Vladimir"],
        &["Dmytro", "Dmitro", "Dmitry"],
        &["Yurii", "Yuriy", "Yuri"],
        &["Vasyl", "Vasil", "Vasily"],
        &["Ivan"],
        &["Taras"],
    ],
    family: &[
        &["Shevchenko", "Shevchenco"],
        &["Kovalenko"],
        &["Bondarenko"],
        &["Tkachenko", "Tkatchenko"],
        &["Kravchenko", "Kravtchenko"],
        &["Melnyk", "Melnik"],
        &["Boiko", "Boyko"],
        &["Koval"],
        &["Oliinyk", "Oliynyk", "Oleinik"],
        &["Shevchuk"],
        &["Polishchuk", "Polischuk"],
        &["Lysenko", "Lisenko"],
        &["Savchenko"],
        &["Rudenko"],
    ],
    feminine_a: false,
    family_first: false,
    variant_rate: 0.3,
};

/// Ukrainian names in Cyrillic script, keyed by their usual romanisation.
static CYRILLIC: [(&str, &str); 38] = [
    ("Olena", "Олена"),
    ("Iryna", "Ірина"),
    ("Tetiana", "Тетяна"),
    ("Nataliia", "Наталія"),
    ("Oksana", "Оксана"),
    ("Yuliia", "Юлія"),
    ("Kateryna", "Катерина"),
    ("Svitlana", "Світлана"),
    ("Anastasiia", "Анастасія"),
    ("Viktoriia", "Вікторія"),
    ("Oleksandr", "Олександр"),
    ("Andrii", "Андрій"),
    ("Serhii", "Сергій"),
    ("Mykola", "Микола"),
    ("Volodymyr", "Володимир"),
    ("Dmytro", "Дмитро"),
    ("Yurii", "Юрій"),
    ("Vasyl", "Василь"),
    ("Ivan", "Іван"),
    ("Taras", "Тарас"),
    ("Shevchenko", "Шевченко"),
    ("Kovalenko", "Коваленко"),
    ("Bondarenko", "Бондаренко"),
    ("Tkachenko", "Ткаченко"),
    ("Kravchenko", "Кравченко"),
    ("Melnyk", "Мельник"),
    ("Boiko", "Бойко"),
    ("Koval", "Коваль"),
    ("Oliinyk", "Олійник"),
    ("Shevchuk", "Шевчук"),
    ("Polishchuk", "Поліщук"),
    ("Lysenko", "Лисенко"),
    ("Savchenko", "Савченко"),
    ("Rudenko", "Руденко"),
    ("Elena", "Олена"),
    ("Irina", "Ірина"),
    ("Natalia", "Наталія"),
    ("Julia", "Юлія"),
];

pub(crate) fn cyrillic(latin: &str) -> Option<&'static str> {
    CYRILLIC.iter().find(|(l, _)| *l == latin).map(|(_, c)| *c)
}

pub(crate) static ALBANIAN: NameSet = NameSet {
    female: &[
        &["Albana"],
        &["Elira"],
        &["Ermira"],
        &["Klodiana", "Klodjana"],
        &["Arta"],
        &["Besa"],
        &["Drita"],
        &["Mirela"],
        &["Anisa"],
        &["Jonida"],
    ],
    male: &[
        &["Arben"],
        &["Ardit"],
        &["Besnik"],
        &["Gentian", "Gentjan"],
        &["Ilir"],
        &["Fatmir"],
        &["Kujtim"],
        &["Erion"],
        &["Dritan"],
        &["Altin"],
    ],
    family: &[
        &["Hoxha", "Hoxa", "Hodja"],
        &["Shehu"],
        &["Leka"],
        &["Gjoka"],
        &["Kola"],
        &["Dervishi"],
        &["Çela", "Cela"],
        &["Hysa"],
        &["Gashi"],
        &["Bregu"],
        &["Meta"],
        &["Lika"],
    ],
    feminine_a: false,
    family_first: false,
    variant_rate: 0.15,
};

pub(crate) static WEST_AFRICAN: NameSet = NameSet {
    female: &[
        &["Blessing"],
        &["Joy"],
        &["Precious"],
        &["Favour", "Favor"],
        &["Gift"],
        &["Esther"],
        &["Oluwaseun"],
        &["Chiamaka"],
        &["Ngozi"],
        &["Aisha", "Aishat", "Ayesha"],
        &["Osas"],
        &["Efe"],
        &["Glory"],
        &["Patience"],
    ],
    male: &[
        &["Chinedu", "Chinedum"],
        &["Emeka"],
        &["Oluwaseun"],
        &["Ibrahim", "Ibrahima"],
        &["Musa", "Moussa"],
        &["Samuel"],
        &["Babatunde", "Tunde"],
        &["Osaze"],
        &["Uche"],
        &["Kelechi"],
    ],
    family: &[
        &["Okafor"],
        &["Okonkwo"],
        &["Adeyemi"],
        &["Ogunleye"],
        &["Eze"],
        &["Nwosu"],
        &["Osagie"],
        &["Igbinedion", "Igbinedium"],
        &["Obaseki"],
        &["Osaro"],
        &["Omoregie", "Omorogie"],
        &["Abubakar", "Aboubakar"],
        &["Bello"],
        &["Uwaifo"],
    ],
    feminine_a: false,
    family_first: false,
    variant_rate: 0.25,
};

pub(crate) static ARABIC: NameSet = NameSet {
    female: &[
        &["Fatima", "Fatimah", "Fatema", "Fatma"],
        &["Khadija", "Khadidja", "Khadeeja"],
        &["Amina", "Aminah", "Ameena"],
        &["Salma"],
        &["Nadia", "Nadiya"],
        &["Samira", "Sameera"],
        &["Zineb", "Zaynab", "Zainab"],
        &["Houda", "Huda"],
        &["Meryem", "Maryam", "Mariam"],
        &["Loubna", "Lubna"],
    ],
    male: &[
        &["Mohammed", "Mohamed", "Muhammad", "Mohamad"],
        &["Youssef", "Yusuf", "Yousef", "Youssouf"],
        &["Ahmed", "Ahmad"],
        &["Hassan", "Hasan"],
        &["Abdellah", "Abdallah", "Abdullah"],
        &["Karim", "Kareem"],
        &["Rachid", "Rashid"],
        &["Omar", "Umar"],
        &["Said", "Saïd", "Saeed"],
        &["Hamza"],
    ],
    family: &[
        &["El Amrani", "Elamrani", "Al-Amrani"],
        &["Benali", "Ben Ali"],
        &["Bouzid"],
        &["El Idrissi", "Idrissi", "El-Idrissi"],
        &["Alaoui"],
        &["Haddad"],
        &["Chaoui"],
        &["Benjelloun", "Benjeloun"],
        &["Tazi"],
        &["El Fassi", "Elfassi"],
        &["Berrada"],
        &["Ouali"],
        &["Zaoui"],
    ],
    feminine_a: false,
    family_first: false,
    variant_rate: 0.4,
};

pub(crate) static VIETNAMESE: NameSet = NameSet {
    female: &[
        &["Thị Lan"],
        &["Thị Hoa"],
        &["Thị Hương"],
        &["Ngọc Anh"],
        &["Thu Trang"],
        &["Thị Mai"],
        &["Thị Thu"],
        &["Bích Ngọc"],
        &["Thị Hằng"],
        &["Phương Linh"],
    ],
    male: &[
        &["Văn Hùng"],
        &["Văn Nam"],
        &["Đức Anh"],
        &["Minh Tuấn"],
        &["Quang Huy"],
        &["Văn Long"],
        &["Văn Thành"],
        &["Hữu Phúc"],
        &["Công Minh"],
        &["Đình Khoa"],
    ],
    family: &[
        &["Nguyễn"],
        &["Trần"],
        &["Lê"],
        &["Phạm"],
        &["Hoàng", "Huỳnh"],
        &["Phan"],
        &["Vũ", "Võ"],
        &["Đặng"],
        &["Bùi"],
        &["Đỗ"],
        &["Ngô"],
        &["Dương"],
    ],
    feminine_a: false,
    family_first: true,
    variant_rate: 0.05,
};

pub(crate) static CHINESE: NameSet = NameSet {
    female: &[
        &["Xiuying", "Xiu Ying"],
        &["Mei"],
        &["Jing"],
        &["Li"],
        &["Yan"],
        &["Hui"],
        &["Fang"],
        &["Ling"],
        &["Xiaomei", "Xiao Mei"],
        &["Na"],
    ],
    male: &[
        &["Wei"],
        &["Jun"],
        &["Lei"],
        &["Qiang"],
        &["Jian"],
        &["Hao"],
        &["Tao"],
        &["Ming"],
        &["Zhiwei", "Zhi Wei"],
        &["Bo"],
    ],
    family: &[
        &["Wang"],
        &["Li", "Lee"],
        &["Zhang", "Chang"],
        &["Liu"],
        &["Chen", "Chan"],
        &["Yang"],
        &["Huang", "Wong"],
        &["Zhao", "Chao"],
        &["Wu"],
        &["Zhou", "Chow"],
        &["Lin", "Lam"],
        &["Xu"],
    ],
    feminine_a: false,
    family_first: true,
    variant_rate: 0.1,
};

pub(crate) static THAI: NameSet = NameSet {
    female: &[
        &["Siriporn", "Siripon"],
        &["Malee", "Mali"],
        &["Kanya"],
        &["Pranee", "Pranie"],
        &["Sunisa"],
        &["Wanida"],
        &["Nittaya", "Nitaya"],
        &["Rattana", "Ratana"],
        &["Supaporn", "Suphaporn"],
        &["Jintana"],
    ],
    male: &[
        &["Somchai", "Somchay"],
        &["Somsak"],
        &["Prasert", "Prasoet"],
        &["Anan"],
        &["Chaiya"],
        &["Sombat"],
        &["Wichai", "Vichai"],
        &["Narong"],
        &["Thawatchai", "Tawatchai"],
        &["Kittisak"],
    ],
    family: &[
        &["Saelim", "Sae-Lim"],
        &["Srisuk", "Srisook"],
        &["Wongsakul"],
        &["Boonmee", "Bunmi"],
        &["Thongchai"],
        &["Sukprasert"],
        &["Rattanakorn"],
        &["Chaiyaphum"],
        &["Phromma", "Promma"],
        &["Kaewkla", "Kaeokla"],
        &["Intharasuk"],
        &["Saetang", "Sae-Tang"],
    ],
    feminine_a: false,
    family_first: false,
    variant_rate: 0.3,
};

pub(crate) static FILIPINO: NameSet = NameSet {
    female: &[
        &["Maria"],
        &["Rosalie"],
        &["Jocelyn", "Joselyn"],
        &["Mary Grace"],
        &["Marites"],
        &["Lorna"],
        &["Analyn", "Annalyn"],
        &["Maricel", "Marisel"],
        &["Rowena"],
        &["Jennifer"],
    ],
    male: &[
        &["Jose"],
        &["Juan"],
        &["Mark"],
        &["Rodel"],
        &["Ramon"],
        &["Noel"],
        &["Arnel"],
        &["Jerome"],
        &["Romeo"],
        &["Rolando"],
    ],
    family: &[
        &["Santos"],
        &["Reyes"],
        &["Cruz"],
        &["Bautista"],
        &["Garcia"],
        &["Mendoza"],
        &["Dela Cruz", "Delacruz", "De la Cruz"],
        &["Ramos"],
        &["Aquino"],
        &["Villanueva"],
        &["Castillo"],
        &["Fernandez"],
    ],
    feminine_a: false,
    family_first: false,
    variant_rate: 0.1,
};

pub(crate) static INDIAN: NameSet = NameSet {
    female: &[
        &["Priya"],
        &["Sunita"],
        &["Anjali"],
        &["Lakshmi", "Laxmi"],
        &["Pooja", "Puja"],
        &["Kavita", "Kavitha"],
        &["Rekha"],
        &["Meena", "Mina"],
        &["Savitri", "Savithri"],
        &["Geeta", "Gita"],
    ],
    male: &[
        &["Rahul"],
        &["Amit"],
        &["Suresh"],
        &["Ramesh"],
        &["Vijay"],
        &["Mohan"],
        &["Raju"],
        &["Sanjay"],
        &["Manoj"],
        &["Arjun"],
    ],
    family: &[
        &["Kumar"],
        &["Singh"],
        &["Sharma"],
        &["Patel"],
        &["Das"],
        &["Reddy", "Reddi"],
        &["Yadav"],
        &["Nair"],
        &["Gupta"],
        &["Mishra"],
        &["Rao"],
        &["Pillai", "Pilai"],
    ],
    feminine_a: false,
    family_first: false,
    variant_rate: 0.15,
};

pub(crate) static BRAZILIAN: NameSet = NameSet {
    female: &[
        &["Ana"],
        &["Maria"],
        &["Juliana"],
        &["Fernanda"],
        &["Camila"],
        &["Aline"],
        &["Letícia", "Leticia"],
        &["Bruna"],
        &["Jéssica", "Jessica"],
        &["Patrícia", "Patricia"],
    ],
    male: &[
        &["João", "Joao"],
        &["José", "Jose"],
        &["Lucas"],
        &["Gabriel"],
        &["Rafael"],
        &["Thiago", "Tiago"],
        &["Matheus", "Mateus"],
        &["Felipe", "Filipe"],
        &["Bruno"],
        &["Rodrigo"],
    ],
    family: &[
        &["Silva"],
        &["Santos"],
        &["Oliveira"],
        &["Souza", "Sousa"],
        &["Pereira"],
        &["Costa"],
        &["Ferreira"],
        &["Conceição", "Conceicao"],
        &["Rodrigues"],
        &["Almeida"],
        &["Lima"],
        &["Carvalho"],
    ],
    feminine_a: false,
    family_first: false,
    variant_rate: 0.15,
};

/// Every name set (for the unit tests).
#[cfg(test)]
pub(crate) static ALL_SETS: [&NameSet; 13] = [
    &DEMOLAND,
    &ROMANIAN,
    &BULGARIAN,
    &UKRAINIAN,
    &ALBANIAN,
    &WEST_AFRICAN,
    &ARABIC,
    &VIETNAMESE,
    &CHINESE,
    &THAI,
    &FILIPINO,
    &INDIAN,
    &BRAZILIAN,
];

/// Folds one Latin letter with diacritics (incl. Vietnamese and Romanian ones) to plain ASCII.
fn fold_lower(c: char) -> Option<char> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ă' | 'ạ' | 'ả' | 'ấ' | 'ầ' | 'ẩ' | 'ẫ' | 'ậ' | 'ắ' | 'ằ' | 'ẳ' | 'ẵ'
        | 'ặ' => 'a',
        'ç' => 'c',
        'đ' => 'd',
        'è' | 'é' | 'ê' | 'ë' | 'ẹ' | 'ẻ' | 'ẽ' | 'ế' | 'ề' | 'ể' | 'ễ' | 'ệ' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'ị' | 'ỉ' | 'ĩ' => 'i',
        'ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ọ' | 'ỏ' | 'ố' | 'ồ' | 'ổ' | 'ỗ' | 'ộ' | 'ơ' | 'ớ' | 'ờ' | 'ở' | 'ỡ' | 'ợ' => {
            'o'
        }
        'ș' | 'ş' => 's',
        'ț' | 'ţ' => 't',
        'ù' | 'ú' | 'û' | 'ü' | 'ụ' | 'ủ' | 'ũ' | 'ư' | 'ứ' | 'ừ' | 'ử' | 'ữ' | 'ự' => 'u',
        'ý' | 'ỳ' | 'ỵ' | 'ỷ' | 'ỹ' | 'ÿ' => 'y',
        _ => return None,
    })
}

/// Strips diacritics from Latin-script text; other scripts pass through unchanged.
pub(crate) fn to_ascii(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii() {
                return c;
            }
            let lower = c.to_lowercase().next().unwrap_or(c);
            match fold_lower(lower) {
                Some(f) if lower != c => f.to_ascii_uppercase(),
                Some(f) => f,
                None => c,
            }
        })
        .collect()
}

/// Encodes text as ISO 8859-1, the way a legacy system stores it: letters outside Latin-1 lose
/// their diacritics, anything else becomes `?`.
pub(crate) fn to_latin1(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        match u8::try_from(u32::from(c)) {
            Ok(byte) => out.push(byte),
            Err(_) => {
                for f in to_ascii(&c.to_string()).chars() {
                    out.push(u8::try_from(u32::from(f)).unwrap_or(b'?'));
                }
            }
        }
    }
    out
}

/// One keyboard slip in a name: two letters swapped, one dropped, or one doubled.
pub(crate) fn typo(name: &str, rng: &mut impl Rng) -> String {
    let mut chars: Vec<char> = name.chars().collect();
    if chars.len() < 3 {
        return name.to_owned();
    }
    // Slips rarely hit the first letter (people check it), so start at 1.
    let at = rng.random_range(1..chars.len() - 1);
    match rng.random_range(0..3) {
        0 if chars[at].is_alphabetic() && chars[at + 1].is_alphabetic() => chars.swap(at, at + 1),
        1 if chars[at].is_alphabetic() => {
            chars.remove(at);
        }
        _ if chars[at].is_alphabetic() => chars.insert(at, chars[at]),
        _ => {}
    }
    chars.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn folding_covers_every_latin_name_in_the_lists() {
        for set in ALL_SETS {
            for entry in set.female.iter().chain(set.male).chain(set.family) {
                for name in *entry {
                    let ascii = to_ascii(name);
                    assert!(ascii.is_ascii(), "name list entry {ascii:?} keeps non-ASCII letters");
                    assert!(!to_latin1(name).contains(&b'?'));
                }
            }
        }
        assert_eq!(to_ascii("Đặng Ștefan"), "Dang Stefan");
        assert_eq!(to_latin1("Çela"), vec![0xC7, b'e', b'l', b'a']);
    }

    #[test]
    fn cyrillic_exists_for_every_usual_ukrainian_spelling() {
        for entry in UKRAINIAN.female.iter().chain(UKRAINIAN.male).chain(UKRAINIAN.family) {
            assert!(cyrillic(entry[0]).is_some(), "no Cyrillic for list entry {}", entry[0]);
        }
    }

    #[test]
    fn typos_change_length_by_at_most_one() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        for _ in 0..200 {
            let t = typo("Kovalenko", &mut rng);
            assert!(t.chars().count().abs_diff(9) <= 1);
            assert!(t.starts_with('K'));
        }
    }
}
