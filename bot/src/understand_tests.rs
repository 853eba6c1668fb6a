//! Table-driven: each phrasing with the kind, place, price ceiling (euros), capacity and
//! topic words it must come out with. A third are Italian; some have typos, some mix
//! languages, some ask for things nobody lists.

use super::*;

type Case = (
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    Option<i64>,
    Option<i64>,
    Option<&'static str>,
);

const E: Option<&str> = Some("expertise");
const F: Option<&str> = Some("facility");
const S: Option<&str> = Some("space");
const N: Option<&str> = None;

const CASES: &[Case] = &[
    // English: facilities and testing
    (
        "who can test the fatigue of carbon-fibre parts near Bologna?",
        F,
        Some("Bologna"),
        None,
        None,
        Some("fatigue carbon-fibre parts"),
    ),
    (
        "I need a lab for fatigue testing in Modena",
        F,
        Some("Modena"),
        None,
        None,
        Some("fatigue testing"),
    ),
    (
        "salt spray testing near Turin",
        F,
        Some("Turin"),
        None,
        None,
        Some("salt spray testing"),
    ),
    (
        "where can I do corrosion testing in Milan",
        F,
        Some("Milan"),
        None,
        None,
        Some("corrosion testing"),
    ),
    (
        "scanning electron microscope near Padova",
        F,
        Some("Padova"),
        None,
        None,
        Some("scanning electron microscope"),
    ),
    (
        "SEM analysis of fracture surfaces",
        F,
        None,
        None,
        None,
        Some("sem analysis fracture surfaces"),
    ),
    (
        "3D printing of metal parts in Bologna",
        F,
        Some("Bologna"),
        None,
        None,
        Some("3d printing metal parts"),
    ),
    (
        "equipment for vibration testing",
        F,
        None,
        None,
        None,
        Some("vibration testing"),
    ),
    (
        "a climatic chamber near Parma under 200 euro",
        F,
        Some("Parma"),
        Some(200),
        None,
        Some("climatic chamber"),
    ),
    (
        "EMC testing facility in Germany",
        F,
        None,
        None,
        None,
        Some("emc testing germany"),
    ),
    (
        "XRD analysis of powders near Ferrara",
        F,
        Some("Ferrara"),
        None,
        None,
        Some("xrd analysis powders"),
    ),
    (
        "tensile test machine in Florence",
        F,
        Some("Florence"),
        None,
        None,
        Some("tensile test machine"),
    ),
    (
        "we need to measure surface roughness",
        F,
        None,
        None,
        None,
        Some("surface roughness"),
    ),
    (
        "who can certify our pressure vessels near Brescia",
        F,
        Some("Brescia"),
        None,
        None,
        Some("pressure vessels"),
    ),
    (
        "CT scanning of castings",
        F,
        None,
        None,
        None,
        Some("ct scanning castings"),
    ),
    (
        "laser cutting service near Reggio Emilia",
        F,
        Some("Reggio Emilia"),
        None,
        None,
        Some("laser cutting"),
    ),
    (
        "wind tunnel testing for drones",
        F,
        None,
        None,
        None,
        Some("wind tunnel testing drones"),
    ),
    (
        "any lab that can do food shelf-life analysis in Rimini?",
        F,
        Some("Rimini"),
        None,
        None,
        Some("food shelf-life analysis"),
    ),
    (
        "mass spectrometry facility near Pisa",
        F,
        Some("Pisa"),
        None,
        None,
        Some("mass spectrometry"),
    ),
    (
        "rheometer for polymer melts",
        F,
        None,
        None,
        None,
        Some("rheometer polymer melts"),
    ),
    (
        "I'm looking for a thermal imaging camera to rent near Verona",
        F,
        Some("Verona"),
        None,
        None,
        Some("thermal imaging camera"),
    ),
    (
        "battery cycling lab in Lombardy",
        F,
        Some("Lombardy"),
        None,
        None,
        Some("battery cycling"),
    ),
    (
        "prototype machining of aluminium parts in Emilia-Romagna",
        F,
        Some("Emilia-Romagna"),
        None,
        None,
        Some("prototype machining aluminium parts"),
    ),
    (
        "NMR spectroscopy near Trieste under €150 per hour",
        F,
        Some("Trieste"),
        Some(150),
        None,
        Some("nmr spectroscopy"),
    ),
    (
        "acoustic testing of washing machines",
        F,
        None,
        None,
        None,
        Some("acoustic testing washing machines"),
    ),
    (
        "who could run a life-cycle analysis of our packaging",
        F,
        None,
        None,
        None,
        Some("life-cycle analysis packaging"),
    ),
    (
        "flammability tests for textiles near Prato",
        F,
        Some("Prato"),
        None,
        None,
        Some("flammability tests textiles"),
    ),
    (
        "calibration of torque wrenches in Vicenza",
        F,
        Some("Vicenza"),
        None,
        None,
        Some("calibration torque wrenches"),
    ),
    (
        "cleanroom for microfluidics near Grenoble",
        F,
        Some("Grenoble"),
        None,
        None,
        Some("cleanroom microfluidics"),
    ),
    (
        "drop testing for electronics",
        F,
        None,
        None,
        None,
        Some("drop testing electronics"),
    ),
    // English: expertise
    (
        "expert in machine learning for predictive maintenance",
        E,
        None,
        None,
        None,
        Some("machine learning predictive maintenance"),
    ),
    (
        "a researcher who knows about lithium batteries near Bologna",
        E,
        Some("Bologna"),
        None,
        None,
        Some("lithium batteries"),
    ),
    (
        "who can help us design a heat exchanger",
        E,
        None,
        None,
        None,
        Some("design heat exchanger"),
    ),
    (
        "professor of structural engineering in Naples",
        E,
        Some("Naples"),
        None,
        None,
        Some("structural engineering"),
    ),
    (
        "consultancy on food safety regulation",
        E,
        None,
        None,
        None,
        Some("food safety regulation"),
    ),
    (
        "someone to advise on EU funding for our startup",
        E,
        None,
        None,
        None,
        Some("eu funding startup"),
    ),
    (
        "experts on corrosion of pipelines near Ravenna",
        E,
        Some("Ravenna"),
        None,
        None,
        Some("corrosion pipelines"),
    ),
    (
        "computer vision specialists in Milan",
        E,
        Some("Milan"),
        None,
        None,
        Some("computer vision"),
    ),
    (
        "who can develop a control algorithm for an electric motor",
        E,
        None,
        None,
        None,
        Some("control algorithm electric motor"),
    ),
    (
        "university group working on hydrogen storage",
        E,
        None,
        None,
        None,
        Some("working hydrogen storage"),
    ),
    (
        "student project on marketing analytics",
        E,
        None,
        None,
        None,
        Some("marketing analytics"),
    ),
    (
        "joint project on biodegradable plastics in Tuscany",
        E,
        Some("Tuscany"),
        None,
        None,
        Some("biodegradable plastics"),
    ),
    (
        "licensing a patent on sensor coatings",
        E,
        None,
        None,
        None,
        Some("sensor coatings"),
    ),
    (
        "training course on lean manufacturing near Modena",
        E,
        Some("Modena"),
        None,
        None,
        Some("lean manufacturing"),
    ),
    (
        "help with optimising our supply chain",
        E,
        None,
        None,
        None,
        Some("optimising supply chain"),
    ),
    (
        "research partner for smart textiles",
        E,
        None,
        None,
        None,
        Some("research smart textiles"),
    ),
    (
        "advice on ceramic glazes in Faenza",
        E,
        Some("Faenza"),
        None,
        None,
        Some("ceramic glazes"),
    ),
    (
        "an expert on vibration of wind turbine blades",
        E,
        None,
        None,
        None,
        Some("vibration wind turbine blades"),
    ),
    (
        "consulting on cybersecurity for PLCs in Padua",
        E,
        Some("Padua"),
        None,
        None,
        Some("cybersecurity plcs"),
    ),
    (
        "who can study the microbiome of our cheese",
        E,
        None,
        None,
        None,
        Some("microbiome cheese"),
    ),
    (
        "a thesis student to analyse our energy data",
        E,
        None,
        None,
        None,
        Some("analyse energy data"),
    ),
    (
        "contract research on photonics near Florence",
        E,
        Some("Florence"),
        None,
        None,
        Some("photonics"),
    ),
    (
        "scientists working on graphene",
        E,
        None,
        None,
        None,
        Some("working graphene"),
    ),
    // English: spaces
    (
        "office for 3 people in Bologna under 300 euro a month",
        S,
        Some("Bologna"),
        Some(300),
        Some(3),
        None,
    ),
    (
        "a desk in a coworking near Modena",
        S,
        Some("Modena"),
        None,
        None,
        None,
    ),
    (
        "lab bench for a biotech startup in Milan",
        S,
        Some("Milan"),
        None,
        None,
        Some("biotech startup"),
    ),
    (
        "private office for 5 from next month",
        S,
        None,
        None,
        Some(5),
        None,
    ),
    ("meeting room in Parma", S, Some("Parma"), None, None, None),
    (
        "workshop space for prototyping near Reggio Emilia",
        S,
        Some("Reggio Emilia"),
        None,
        None,
        Some("prototyping"),
    ),
    (
        "cheap hot desk in Turin below 150 eur",
        S,
        Some("Turin"),
        Some(150),
        None,
        None,
    ),
    (
        "incubator space for a team of 6 in Rome",
        S,
        Some("Rome"),
        None,
        Some(6),
        None,
    ),
    (
        "4 desks in Bologna from March",
        S,
        Some("Bologna"),
        None,
        Some(4),
        None,
    ),
    (
        "wet lab in Padova under 1,500 euro per month",
        S,
        Some("Padova"),
        Some(1500),
        None,
        None,
    ),
    (
        "office space near Venice for 10 employees",
        S,
        Some("Venice"),
        None,
        Some(10),
        None,
    ),
    (
        "coworking in Florence this week",
        S,
        Some("Florence"),
        None,
        None,
        None,
    ),
    (
        "we need an office in Trento up to 800 euros",
        S,
        Some("Trento"),
        Some(800),
        None,
        None,
    ),
    (
        "offices for 2 persons max 400€ in Modena",
        S,
        Some("Modena"),
        Some(400),
        Some(2),
        None,
    ),
    (
        "space for a hardware startup with a workshop",
        S,
        None,
        None,
        None,
        Some("hardware startup"),
    ),
    (
        "dedicated desk near Milan next week",
        S,
        Some("Milan"),
        None,
        None,
        None,
    ),
    (
        "room for 8 people in Verona",
        S,
        Some("Verona"),
        None,
        Some(8),
        None,
    ),
    (
        "lab benches for rent in Pavia",
        S,
        Some("Pavia"),
        None,
        None,
        None,
    ),
    // English: typos and mixed
    (
        "fatige testing near Bolgna",
        F,
        Some("Bologna"),
        None,
        None,
        Some("fatige testing"),
    ),
    (
        "ofice in Modena for 3 peple",
        S,
        Some("Modena"),
        None,
        None,
        Some("3 peple"),
    ),
    (
        "expret on composites",
        E,
        None,
        None,
        None,
        Some("composites"),
    ),
    (
        "laboratry for corrosion testing",
        F,
        None,
        None,
        None,
        Some("corrosion testing"),
    ),
    (
        "equipement for tensile tests in Milano",
        F,
        Some("Milano"),
        None,
        None,
        Some("tensile tests"),
    ),
    (
        "cerco an expert in robotics",
        E,
        None,
        None,
        None,
        Some("robotics"),
    ),
    (
        "office a Bologna under 500 euro",
        S,
        Some("Bologna"),
        Some(500),
        None,
        None,
    ),
    (
        "lab per prove di fatica near Modena",
        F,
        Some("Modena"),
        None,
        None,
        Some("prove fatica"),
    ),
    // English: nothing to find (still parsed)
    (
        "underwater welding of titanium in the Alps",
        N,
        None,
        None,
        None,
        Some("underwater welding titanium alps"),
    ),
    (
        "quantum gravity sensors for beekeeping",
        N,
        None,
        None,
        None,
        Some("quantum gravity sensors beekeeping"),
    ),
    (
        "office on the moon for 2 people",
        S,
        None,
        None,
        Some(2),
        Some("moon"),
    ),
    (
        "expert in medieval latin tax law",
        E,
        None,
        None,
        None,
        Some("medieval latin tax law"),
    ),
    (
        "a lab that tests chocolate for astronauts",
        F,
        None,
        None,
        None,
        Some("tests chocolate astronauts"),
    ),
    // Italian: facilities
    (
        "cerco un laboratorio per prove di fatica a Bologna",
        F,
        Some("Bologna"),
        None,
        None,
        Some("prove fatica"),
    ),
    (
        "chi fa prove di corrosione vicino a Modena?",
        F,
        Some("Modena"),
        None,
        None,
        Some("prove corrosione"),
    ),
    (
        "microscopio elettronico a scansione a Padova",
        F,
        Some("Padova"),
        None,
        None,
        Some("microscopio elettronico scansione"),
    ),
    (
        "stampa 3D di parti metalliche vicino a Milano",
        F,
        Some("Milano"),
        None,
        None,
        Some("stampa 3d parti metalliche"),
    ),
    (
        "camera climatica a Parma sotto i 200 euro",
        F,
        Some("Parma"),
        Some(200),
        None,
        Some("camera climatica"),
    ),
    (
        "analisi chimiche degli alimenti a Reggio Emilia",
        F,
        Some("Reggio Emilia"),
        None,
        None,
        Some("analisi chimiche alimenti"),
    ),
    (
        "chi può misurare la rugosità superficiale",
        F,
        None,
        None,
        None,
        Some("rugosità superficiale"),
    ),
    (
        "laboratorio di prove EMC in Lombardia",
        F,
        Some("Lombardia"),
        None,
        None,
        Some("prove emc"),
    ),
    (
        "taratura di strumenti di misura a Vicenza",
        F,
        Some("Vicenza"),
        None,
        None,
        Some("taratura misura"),
    ),
    (
        "tomografia industriale per getti di alluminio",
        F,
        None,
        None,
        None,
        Some("tomografia industriale getti alluminio"),
    ),
    (
        "servizio di taglio laser a Brescia",
        F,
        Some("Brescia"),
        None,
        None,
        Some("taglio laser"),
    ),
    (
        "prove di trazione su compositi a Torino",
        F,
        Some("Torino"),
        None,
        None,
        Some("prove trazione compositi"),
    ),
    (
        "attrezzature per prove di vibrazione",
        F,
        None,
        None,
        None,
        Some("prove vibrazione"),
    ),
    (
        "analisi del ciclo di vita per imballaggi",
        F,
        None,
        None,
        None,
        Some("analisi ciclo vita imballaggi"),
    ),
    (
        "cerco una camera anecoica vicino a Firenze",
        F,
        Some("Firenze"),
        None,
        None,
        Some("camera anecoica"),
    ),
    (
        "collaudo di recipienti in pressione a Ravenna",
        F,
        Some("Ravenna"),
        None,
        None,
        Some("collaudo recipienti pressione"),
    ),
    (
        "spettrometria di massa a Pisa",
        F,
        Some("Pisa"),
        None,
        None,
        Some("spettrometria massa"),
    ),
    (
        "prove di infiammabilità per tessuti a Prato",
        F,
        Some("Prato"),
        None,
        None,
        Some("prove infiammabilità tessuti"),
    ),
    // Italian: expertise
    (
        "cerco un esperto di machine learning a Bologna",
        E,
        Some("Bologna"),
        None,
        None,
        Some("machine learning"),
    ),
    (
        "chi può aiutarci a progettare uno scambiatore di calore",
        E,
        None,
        None,
        None,
        Some("progettare scambiatore calore"),
    ),
    (
        "professore di ingegneria strutturale a Napoli",
        E,
        Some("Napoli"),
        None,
        None,
        Some("ingegneria strutturale"),
    ),
    (
        "consulenza sulla sicurezza alimentare",
        E,
        None,
        None,
        None,
        Some("sicurezza alimentare"),
    ),
    (
        "esperti di corrosione delle condotte vicino a Ravenna",
        E,
        Some("Ravenna"),
        None,
        None,
        Some("corrosione condotte"),
    ),
    (
        "ricercatori che lavorano sull'idrogeno",
        E,
        None,
        None,
        None,
        Some("lavorano idrogeno"),
    ),
    (
        "progetto congiunto sulle plastiche biodegradabili in Toscana",
        E,
        Some("Toscana"),
        None,
        None,
        Some("plastiche biodegradabili"),
    ),
    (
        "tesi di laurea sull'analisi dei dati energetici",
        E,
        None,
        None,
        None,
        Some("laurea analisi dati energetici"),
    ),
    (
        "formazione sul lean manufacturing a Modena",
        E,
        Some("Modena"),
        None,
        None,
        Some("lean manufacturing"),
    ),
    (
        "brevetto sui rivestimenti per sensori",
        E,
        None,
        None,
        None,
        Some("rivestimenti sensori"),
    ),
    (
        "specialisti di visione artificiale a Milano",
        E,
        Some("Milano"),
        None,
        None,
        Some("visione artificiale"),
    ),
    (
        "chi può sviluppare un algoritmo di controllo per motori elettrici",
        E,
        None,
        None,
        None,
        Some("algoritmo controllo motori elettrici"),
    ),
    (
        "gruppo universitario sulla cybersecurity industriale",
        E,
        None,
        None,
        None,
        Some("universitario cybersecurity industriale"),
    ),
    (
        "competenze in fotonica a Firenze",
        E,
        Some("Firenze"),
        None,
        None,
        Some("fotonica"),
    ),
    (
        "docenti esperti di smalti ceramici a Faenza",
        E,
        Some("Faenza"),
        None,
        None,
        Some("smalti ceramici"),
    ),
    (
        "serve un esperto per ottimizzare la logistica",
        E,
        None,
        None,
        None,
        Some("ottimizzare logistica"),
    ),
    (
        "qualcuno che possa studiare il microbioma del formaggio",
        E,
        None,
        None,
        None,
        Some("studiare microbioma formaggio"),
    ),
    // Italian: spaces
    (
        "cerco un ufficio a Modena per 4 persone sotto i 400 euro",
        S,
        Some("Modena"),
        Some(400),
        Some(4),
        None,
    ),
    (
        "una scrivania in coworking a Bologna",
        S,
        Some("Bologna"),
        None,
        None,
        None,
    ),
    (
        "bancone di laboratorio per una startup biotech a Milano",
        S,
        Some("Milano"),
        None,
        None,
        Some("startup biotech"),
    ),
    (
        "ufficio privato per 5 persone dal mese prossimo",
        S,
        None,
        None,
        Some(5),
        None,
    ),
    ("sala riunioni a Parma", S, Some("Parma"), None, None, None),
    (
        "spazio per un'officina a Reggio Emilia",
        S,
        Some("Reggio Emilia"),
        None,
        None,
        None,
    ),
    (
        "postazione in coworking a Torino sotto i 150 euro al mese",
        S,
        Some("Torino"),
        Some(150),
        None,
        None,
    ),
    (
        "spazio in incubatore per un team di 6 persone a Roma",
        S,
        Some("Roma"),
        None,
        Some(6),
        None,
    ),
    (
        "4 postazioni a Bologna da marzo",
        S,
        Some("Bologna"),
        None,
        Some(4),
        None,
    ),
    (
        "uffici a Venezia per 10 dipendenti",
        S,
        Some("Venice"),
        None,
        Some(10),
        None,
    ),
    (
        "coworking a Firenze questa settimana",
        S,
        Some("Firenze"),
        None,
        None,
        None,
    ),
    (
        "ci serve un ufficio a Trento fino a 800 euro",
        S,
        Some("Trento"),
        Some(800),
        None,
        None,
    ),
    (
        "capannone per prototipi vicino a Modena",
        S,
        Some("Modena"),
        None,
        None,
        Some("prototipi"),
    ),
    (
        "una stanza per 8 persone a Verona",
        S,
        Some("Verona"),
        None,
        Some(8),
        None,
    ),
    (
        "laboratorio umido a Padova sotto 1.500 euro al mese",
        F,
        Some("Padova"),
        Some(1500),
        None,
        Some("umido"),
    ),
    (
        "scrivania dedicata a Milano la prossima settimana",
        S,
        Some("Milano"),
        None,
        None,
        None,
    ),
    // Italian: typos and mixed
    (
        "cerco un uficio a Modena",
        S,
        Some("Modena"),
        None,
        None,
        None,
    ),
    (
        "esperto di compositi vicino a Bolgna",
        E,
        Some("Bologna"),
        None,
        None,
        Some("compositi"),
    ),
    (
        "laboratoro per prove di corrosione",
        F,
        None,
        None,
        None,
        Some("prove corrosione"),
    ),
    (
        "office in Modena per 3 persone",
        S,
        Some("Modena"),
        None,
        Some(3),
        None,
    ),
    (
        "un expert di robotica a Torino",
        E,
        Some("Torino"),
        None,
        None,
        Some("robotica"),
    ),
    // Italian: nothing to find
    (
        "saldatura subacquea del titanio sulle Alpi",
        N,
        None,
        None,
        None,
        Some("saldatura subacquea titanio alpi"),
    ),
    (
        "esperto di diritto tributario medievale",
        E,
        None,
        None,
        None,
        Some("diritto tributario medievale"),
    ),
    (
        "cerco uno spazio per 3 persone a Bologna entro 600 euro",
        S,
        Some("Bologna"),
        Some(600),
        Some(3),
        None,
    ),
    (
        "chi fa consulenza sull'industria 4.0 in Veneto",
        E,
        Some("Veneto"),
        None,
        None,
        Some("industria 4.0"),
    ),
    (
        "esperto in saldatura laser vicino a Brescia",
        E,
        Some("Brescia"),
        None,
        None,
        Some("saldatura laser"),
    ),
    (
        "prove di fatica su giunti incollati",
        F,
        None,
        None,
        None,
        Some("prove fatica giunti incollati"),
    ),
    (
        "cerco un microscopio confocale a Milano",
        F,
        Some("Milano"),
        None,
        None,
        Some("microscopio confocale"),
    ),
    (
        "sala riunioni per 12 persone a Bologna sotto 100 euro",
        S,
        Some("Bologna"),
        Some(100),
        Some(12),
        None,
    ),
    (
        "ricercatori di intelligenza artificiale per la manutenzione predittiva",
        E,
        None,
        None,
        None,
        Some("intelligenza artificiale manutenzione predittiva"),
    ),
    (
        "corrosion testing lab near Bologna for under 300 euros",
        F,
        Some("Bologna"),
        Some(300),
        None,
        Some("corrosion testing"),
    ),
    (
        "hot desk in Milan under 200 eur per month",
        S,
        Some("Milan"),
        Some(200),
        None,
        None,
    ),
    (
        "expert in additive manufacturing of titanium",
        E,
        None,
        None,
        None,
        Some("additive manufacturing titanium"),
    ),
    (
        "ufficio sulla luna per 2 persone",
        S,
        None,
        None,
        Some(2),
        Some("luna"),
    ),
    // Distances, days of the month, durations and "250/month" budgets.
    (
        "laboratorio prove climatiche a meno di 50 km da Vicenza",
        F,
        Some("Vicenza"),
        None,
        None,
        Some("prove climatiche"),
    ),
    (
        "ufficio per 3 persone a Bologna dal 1 marzo, massimo 600€",
        S,
        Some("Bologna"),
        Some(600),
        Some(3),
        None,
    ),
    (
        "need a hot desk for 2 months starting january in Milan, budget 250/month",
        S,
        Some("Milan"),
        Some(250),
        None,
        None,
    ),
    (
        "Is there a cleanroom we could rent for a week?",
        F,
        None,
        None,
        None,
        Some("cleanroom"),
    ),
    (
        "sto cercando un partner per un progetto horizon europe sull'intelligenza artificiale",
        E,
        None,
        None,
        None,
        Some("progetto horizon europe intelligenza artificiale"),
    ),
    (
        "I'd like to talk to a professor about corrosion of stainless steel welds",
        E,
        None,
        None,
        None,
        Some("corrosion stainless steel welds"),
    ),
];

fn kind_name(kind: Option<ListingKind>) -> Option<&'static str> {
    kind.map(|k| k.as_str())
}

#[test]
fn every_phrasing_comes_out_right() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
    let mut wrong = Vec::new();
    for (text, kind, place, price, capacity, topic) in CASES {
        let u = understand(text, today);
        let got = (
            kind_name(u.kind),
            u.place.as_deref(),
            u.max_price.map(|p| p / 100),
            u.min_capacity,
            u.topic.as_deref(),
        );
        let want = (*kind, *place, *price, *capacity, *topic);
        if got != want {
            wrong.push(format!("{text}\n    got  {got:?}\n    want {want:?}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} phrasings misunderstood:\n{}",
        wrong.len(),
        CASES.len(),
        wrong.join("\n")
    );
}

#[test]
fn the_table_is_large_and_a_third_italian() {
    assert!(CASES.len() >= 150, "{}", CASES.len());
    let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
    let italian = CASES
        .iter()
        .filter(|case| understand(case.0, today).language == Language::Italian)
        .count();
    assert!(italian * 3 >= CASES.len(), "{italian} of {}", CASES.len());
}

#[test]
fn dates_engagement_space_types_and_currencies() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
    let u = understand("private office for 5 from next month", today);
    assert_eq!(u.available_on, NaiveDate::from_ymd_opt(2026, 12, 1));
    assert_eq!(u.space_type, Some(SpaceType::PrivateOffice));
    let u = understand("4 postazioni a Bologna da marzo", today);
    assert_eq!(u.available_on, NaiveDate::from_ymd_opt(2027, 3, 1));
    assert_eq!(u.space_type, Some(SpaceType::HotDesk));
    let u = understand("coworking a Firenze questa settimana", today);
    assert_eq!(u.available_on, Some(today));
    let u = understand("consultancy on food safety regulation", today);
    assert_eq!(u.engagement, vec![EngagementMode::Consultancy]);
    let u = understand("a thesis student to analyse our energy data", today);
    assert_eq!(u.engagement, vec![EngagementMode::StudentProject]);
    let u = understand("office in Zurich under 900 CHF", today);
    assert_eq!(
        (u.max_price, u.currency.as_deref()),
        (Some(90_000), Some("CHF"))
    );
    let u = understand("lab bench in Milan", today);
    assert_eq!(u.space_type, Some(SpaceType::LabBench));
    let u = understand("fatige testing near Bolgna", today);
    assert_eq!(u.place_corrected_from.as_deref(), Some("Bolgna"));
    let u = understand("sala riunioni a Parma", today);
    assert_eq!(u.space_type, Some(SpaceType::MeetingRoom));
    assert_eq!(u.language, Language::Italian);
}

#[test]
fn distances_days_of_the_month_and_durations() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
    let u = understand("salt spray testing within 30 km of Turin", today);
    assert_eq!(
        (u.radius_km, u.place.as_deref(), u.max_price),
        (Some(30.0), Some("Turin"), None)
    );
    let u = understand("coworking entro 20km da Modena sotto 300 euro", today);
    assert_eq!(
        (u.radius_km, u.place.as_deref(), u.max_price),
        (Some(20.0), Some("Modena"), Some(30_000))
    );
    let u = understand("office in Parma from 15 March", today);
    assert_eq!(u.available_on, NaiveDate::from_ymd_opt(2027, 3, 15));
    assert_eq!(u.topic, None);
    let u = understand("desk in Milan from December 3rd", today);
    assert_eq!(u.available_on, NaiveDate::from_ymd_opt(2026, 12, 3));
    // A day already gone this month means next year's; the month alone, this year's.
    let u = understand("ufficio a Bologna dal 2 novembre", today);
    assert_eq!(u.available_on, NaiveDate::from_ymd_opt(2027, 11, 2));
    let u = understand("ufficio a Bologna da novembre", today);
    assert_eq!(u.available_on, NaiveDate::from_ymd_opt(2026, 11, 1));
    // 2026-11-28 is a Saturday.
    let u = understand("meeting room for 12 people in Trento next tuesday", today);
    assert_eq!(u.available_on, NaiveDate::from_ymd_opt(2026, 12, 1));
    assert_eq!(u.topic, None);
    let u = understand("sala riunioni a Parma sabato prossimo", today);
    assert_eq!(u.available_on, NaiveDate::from_ymd_opt(2026, 12, 5));
    let u = understand("quanto costa una prova di nebbia salina?", today);
    assert_eq!(u.topic.as_deref(), Some("prova nebbia salina"));
    let u = understand("how much does a salt spray test cost", today);
    assert_eq!(u.topic.as_deref(), Some("salt spray test"));
    let u = understand("banco di laboratorio per tre mesi a Padova", today);
    assert_eq!((u.topic, u.place.as_deref()), (None, Some("Padova")));
    // "50 km" is never a price, and a number before "km" never a head count.
    let u = understand("office for 4 people less than 10 km from Florence", today);
    assert_eq!(
        (u.min_capacity, u.radius_km, u.max_price),
        (Some(4), Some(10.0), None)
    );
}

#[test]
fn acronyms_cheapness_and_helpers() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
    let u = understand(
        "chi mi aiuta con la certificazione CE di una macchina?",
        today,
    );
    assert_eq!(u.topic.as_deref(), Some("certificazione ce macchina"));
    let u = understand("cheap desk Bologna", today);
    assert!(u.cheapest_first);
    assert_eq!(
        (u.topic.as_deref(), u.place.as_deref()),
        (None, Some("Bologna"))
    );
    let u = understand("uffici economici a Modena", today);
    assert!(u.cheapest_first);
    assert_eq!(u.topic, None);
}
