# Ponte, portale pubblico: etichette in italiano. Ogni messaggio deve esistere anche
# in ../en/portal.ftl (lo verifica un test).

skip-to-content = Vai al contenuto
nav-label = Principale
nav-search = Cerca
nav-chat = Chiedi alla chat
nav-sign-in = Accedi
nav-signed-in = Accesso effettuato
language-label = Lingua
footer-about = Ponte mette in contatto le piccole imprese con le competenze delle università, i laboratori di ricerca e gli spazi degli incubatori.
footer-api = API per sviluppatori

## Home
home-heading = Trova l'esperto, il laboratorio o lo spazio che serve alla tua impresa
home-intro = Università, centri di ricerca e incubatori pubblicano ciò che offrono. Cerca con parole semplici, in italiano o in inglese.
home-try = Prova:
home-example-microscopy = microscopia
home-example-space = spazi a Torino
home-example-ml = esperti di machine learning
home-holds = { $count ->
    [one] Il portale contiene 1 offerta
   *[other] Il portale contiene { $count } offerte
}
home-by-region = Per regione
home-newest = Offerte più recenti
home-all-newest = Tutte le offerte, dalla più recente
home-chat-heading = Chiedi con parole tue
home-chat-text = Descrivi ciò che ti serve, come faresti con un collega, e la chat lo trasforma in una ricerca.
home-chat-link = Apri la chat

## Search
search-title = Ricerca
search-label = Che cosa cerchi?
search-placeholder = es. prove di fatica su fibra di carbonio
search-button = Cerca
search-syntax-hint = Parole semplici; "una frase" tra virgolette; -parola per escludere; OR tra alternative.
filter-kind = Tipo di offerta
filter-near = Vicino a
filter-near-hint = una città o una regione italiana
filter-radius = Raggio (km)
filter-sort = Ordina per
filter-more = Altri filtri
filter-org-kind = Tipo di organizzazione
filter-engagement = Modi di collaborare con un esperto
filter-space-type = Tipo di spazio
filter-country = Paese
filter-country-hint = codice di due lettere, es. IT
filter-region = Regione
filter-region-hint = es. Emilia-Romagna
filter-city = Città
filter-city-hint = es. Modena
filter-topic = Argomento
filter-topic-hint = es. robotica
filter-max-price = Prezzo massimo
filter-currency = Valuta
filter-min-capacity = Spazio per almeno (persone)
filter-available-on = Disponibile il
filter-trl = Maturità tecnologica (1–9)
filter-trl-min = livello minimo
filter-trl-max = livello massimo
filter-verified = Organizzazione verificata
filter-limit = Risultati per pagina
filter-apply = Applica i filtri
results-count = { $count ->
    [one] 1 risultato
   *[other] { $count } risultati
}
near-understood = Entro { $km } km da { $place }
facets-heading = Affina
facet-kind = Tipo di offerta
facet-org-kind = Tipo di organizzazione
facet-country = Paese
facet-region = Regione
facet-city = Città
facet-topic = Argomento
facet-engagement = Modi di collaborare
facet-space-type = Tipo di spazio
facet-verified = Verifica
pager-label = Pagine
pager-first = Prima pagina
pager-next = Pagina successiva
why-label = Perché è stato trovato:
why-matched = corrisponde { $terms }
why-term = «{ $term }» in { $field }
why-term-how = «{ $term }» in { $field } ({ $how })
why-distance = a { $km } km da { $place }
empty-intro = Per ora nulla corrisponde a questa ricerca. Puoi:
empty-spelling = controllare l'ortografia, o usare una parola più generale;
empty-fewer-words = usare meno parole (devono corrispondere tutte), o unire le alternative con OR;
empty-wider = scegliere un raggio più ampio o una città più grande vicina;
empty-without-filters = cercare le stesse parole senza filtri
empty-chat = descrivere ciò che ti serve alla chat
save-heading = Fatti avvisare quando compare
save-text = Salva questa ricerca e Ponte ti avvisa quando viene pubblicata un'offerta che corrisponde.
save-button = Salva questa ricerca
save-sign-in = Accedi per salvare questa ricerca
save-done = Ricerca salvata: le nuove offerte che corrispondono arriveranno nella tua casella.

## Values
kind-expertise = Competenza
kind-facility = Laboratorio o servizio
kind-space = Spazio
kind-plural-expertise = esperti e gruppi di ricerca
kind-plural-facility = laboratori e servizi
kind-plural-space = spazi negli incubatori
org-kind-university = Università
org-kind-research-centre = Centro di ricerca
org-kind-incubator = Incubatore
org-kind-technical-service-provider = Fornitore di servizi tecnici
org-kind-firm = Impresa
org-kind-cluster = Cluster
org-kind-public-agency = Ente pubblico
engagement-consultancy = Consulenza
engagement-contract-research = Ricerca su commessa
engagement-joint-project = Progetto congiunto
engagement-student-project = Progetto con studenti
engagement-licensing = Licenza
engagement-training = Formazione
space-type-hot-desk = Postazione libera
space-type-dedicated-desk = Postazione dedicata
space-type-private-office = Ufficio privato
space-type-lab-bench = Banco di laboratorio
space-type-wet-lab = Laboratorio umido
space-type-workshop = Officina
space-type-meeting-room = Sala riunioni
verified-any = Qualsiasi
verified-true = Verificata
verified-false = Non ancora verificata
sort-relevance = Più pertinenti
sort-distance = Distanza
sort-newest = Più recenti
sort-price = Prezzo più basso
field-title = titolo
field-topics = argomenti
field-techniques = tecniche
field-summary = sintesi
field-description = descrizione
field-organisation = organizzazione
how-exact = esatta
how-stemmed = altra forma della parola
how-synonym = sinonimo
how-typo = ortografia corretta
how-prefix = inizio di parola
unit-hour = ora
unit-day = giorno
unit-week = settimana
unit-month = mese
unit-sample = campione
unit-test = prova
unit-project = progetto
access-staff-operated = Gestito dal personale
access-self-service = In autonomia dopo formazione
stage-idea = Idea
stage-startup = Start-up
stage-scaleup = Scale-up
stage-sme = Piccola o media impresa
stage-any = Qualsiasi fase
price-from = da { $price }
price-from-per = da { $price } per { $unit }
price-per-month = { $price } al mese
days = { $count ->
    [one] 1 giorno
   *[other] { $count } giorni
}
people = { $count ->
    [one] 1 persona
   *[other] { $count } persone
}

## Form problems
problem-field = { $field }: { $problem }
problem-whole-number = scrivi un numero intero, es. 4
problem-number = scrivi un numero, es. 25
problem-price = scrivi un importo come 350 o 350,50
problem-date = scegli una data (anno-mese-giorno)
problem-choice = scegli una delle opzioni proposte
problem-too-many-values = troppi valori; togline qualcuno
field-name-q = Parole cercate
field-name-kind = Tipo di offerta
field-name-org-kind = Tipo di organizzazione
field-name-country = Paese
field-name-region = Regione
field-name-city = Città
field-name-topic = Argomento
field-name-engagement = Modi di collaborare
field-name-space-type = Tipo di spazio
field-name-max-price = Prezzo massimo
field-name-currency = Valuta
field-name-min-capacity = Spazio per almeno
field-name-available-on = Disponibile il
field-name-trl-min = Maturità tecnologica minima
field-name-trl-max = Maturità tecnologica massima
field-name-verified = Organizzazione verificata
field-name-near = Vicino a
field-name-radius-km = Raggio
field-name-sort = Ordina per
field-name-limit = Risultati per pagina
field-name-cursor = Pagina

## Listings and organisations
generated-example = Esempio generato
generated-example-note = Questa offerta è un esempio generato per la dimostrazione, non un'offerta reale.
verified-badge = Verificata
unverified-badge = Non ancora verificata
verified-explained = Un intermediario di Ponte ha verificato questa organizzazione.
unverified-explained = Un intermediario di Ponte non ha ancora verificato questa organizzazione.
listing-not-published = Non pubblicata
listing-topics = Argomenti
listing-details = Dettagli
detail-place = Dove
detail-techniques = Tecniche
detail-engagement = Modi di collaborare
detail-trl = Maturità tecnologica
detail-languages = Lingue parlate
detail-researchers = Ricercatori
detail-equipment = Attrezzature
detail-accreditation = Accreditamenti
detail-access = Accesso
detail-price = Prezzo
detail-turnaround = Tempi abituali
detail-space-type = Tipo di spazio
detail-capacity = Posti
detail-area = Superficie
detail-available = Disponibile
detail-amenities = Servizi
detail-stages = Per imprese in fase di
detail-sectors = Per i settori
contact-heading = Contatto per le imprese
contact-name = Nome
contact-email = Email
contact-phone = Telefono
contact-none = Questa organizzazione non ha ancora indicato un contatto per le imprese; chiedi invece una presentazione.
contact-sign-in-text = Il contatto per le imprese è visibile ai membri che hanno effettuato l'accesso.
contact-sign-in = Accedi per vedere il contatto
introduction-heading = Chiedi una presentazione
introduction-text = Un intermediario di Ponte inoltra la tua richiesta. I contatti vengono scambiati quando l'organizzazione accetta.
introduction-message = Che cosa ti serve, ed entro quando?
introduction-button = Chiedi la presentazione
introduction-sent = La tua richiesta è partita. Troverai la risposta nella tua casella.
introduction-sign-in-text = Le presentazioni si chiedono per conto di un'impresa registrata su Ponte.
introduction-sign-in = Accedi per chiedere una presentazione
introduction-firm-required = Le presentazioni si chiedono per conto di un'impresa: registra prima la tua impresa su Ponte.
introduction-to-self = Questa offerta appartiene alla tua stessa organizzazione.
similar-heading = Offerte simili
organisation-website = Sito web
organisation-offers = { $count ->
    [one] 1 offerta pubblicata
   *[other] { $count } offerte pubblicate
}
organisation-no-offers = Al momento questa organizzazione non ha offerte pubblicate.

## Chat
chat-title = Chiedi alla chat
chat-intro = Descrivi ciò che ti serve in italiano o in inglese, es. «un ufficio a Modena per 4 persone sotto i 400 euro».
chat-answer = Risposta
chat-you-asked = Hai chiesto:
chat-understood = Come ti ho capito
chat-relaxed = Nulla corrispondeva esattamente, quindi ho tolto
chat-all-results = { $count ->
    [one] Vedi il risultato nella pagina di ricerca
   *[other] Vedi tutti i { $count } risultati nella pagina di ricerca
}
chat-search-as-asked = Apri la ricerca come l'hai chiesta, per affinarla con i filtri
chat-more = Mostra altri
chat-more-like-this = Altri simili
chat-save = Salva questa ricerca
chat-saved = Ricerca salvata: le nuove offerte che corrispondono arriveranno nella tua casella.
chat-sign-in-to-save = Accedi per salvare questa ricerca
chat-ask = La tua domanda
chat-follow-up = Affina, es. «solo a Modena», «più economico», «spazi invece»
chat-placeholder = es. chi può fare prove di fatica sulla fibra di carbonio vicino a Bologna?
chat-send = Invia
chat-new = Inizia una nuova conversazione
chat-empty = Scrivi prima una domanda.

## Problems
problem-bad-request = Controlla ciò che hai inserito
problem-bad-request-text = Qualcosa nella richiesta non si può usare. Torna indietro e riprova.
problem-sign-in = Accedi, per favore
problem-sign-in-text = Serve un membro che abbia effettuato l'accesso.
problem-forbidden = Non consentito
problem-forbidden-text = Questo modulo è stato inviato da un altro sito, oppure non puoi farlo.
problem-not-found = Pagina non trovata
problem-not-found-text = Qui non c'è nulla: l'offerta o l'organizzazione potrebbe essere stata ritirata, o l'indirizzo è sbagliato.
problem-conflict = Questo è in conflitto con ciò che esiste
problem-too-many = Troppe richieste
problem-too-many-text = Troppi messaggi dal tuo indirizzo; aspetta un minuto e riprova.
problem-unavailable = Ponte si sta avviando
problem-unavailable-text = Riprova tra qualche secondo.
problem-ours = Qualcosa è andato storto da parte nostra
problem-ours-text = Riprova più tardi. Se succede ancora, indica il codice di richiesta { $id }.
problem-home = Pagina iniziale
