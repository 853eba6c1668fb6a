# Ponte's public portal, English labels. Every message here must exist in
# ../it/portal.ftl too (a unit test checks).

skip-to-content = Skip to content
nav-label = Main
nav-search = Search
nav-chat = Ask the chat
nav-sign-in = Sign in
nav-signed-in = Signed in
language-label = Language
footer-about = Ponte connects small firms with university expertise, research facilities and incubator space.
footer-api = API for developers

## Home
home-heading = Find the expert, the lab or the space your firm needs
home-intro = Universities, research centres and incubators list what they offer. Search it in plain words, in English or Italian.
home-try = Try:
home-example-microscopy = microscopy
home-example-space = spaces in Turin
home-example-ml = machine learning experts
home-holds = { $count ->
    [one] The marketplace holds 1 offer
   *[other] The marketplace holds { $count } offers
}
home-by-region = By region
home-newest = Newest offers
home-all-newest = All offers, newest first
home-chat-heading = Ask in your own words
home-chat-text = Describe what you need, as you would to a colleague, and the chat turns it into a search.
home-chat-link = Open the chat

## Search
search-title = Search
search-label = What are you looking for?
search-placeholder = e.g. fatigue testing of carbon fibre
search-button = Search
search-syntax-hint = Plain words; "a phrase" in quotes; -word to exclude; OR between alternatives.
filter-kind = Kind of offer
filter-near = Near
filter-near-hint = a city or Italian region
filter-radius = Radius (km)
filter-sort = Sort by
filter-more = More filters
filter-org-kind = Kind of organisation
filter-engagement = Ways to work with an expert
filter-space-type = Kind of space
filter-country = Country
filter-country-hint = two-letter code, e.g. IT
filter-region = Region
filter-region-hint = e.g. Emilia-Romagna
filter-city = City
filter-city-hint = e.g. Modena
filter-topic = Topic
filter-topic-hint = e.g. robotics
filter-max-price = Highest price
filter-currency = Currency
filter-min-capacity = Space for at least (people)
filter-available-on = Available on
filter-trl = Technology readiness (1–9)
filter-trl-min = lowest level
filter-trl-max = highest level
filter-verified = Organisation verified
filter-limit = Results per page
filter-apply = Apply filters
results-count = { $count ->
    [one] 1 result
   *[other] { $count } results
}
near-understood = Within { $km } km of { $place }
facets-heading = Refine
facet-kind = Kind of offer
facet-org-kind = Kind of organisation
facet-country = Country
facet-region = Region
facet-city = City
facet-topic = Topic
facet-engagement = Ways to work
facet-space-type = Kind of space
facet-verified = Verification
pager-label = Pages
pager-first = First page
pager-next = Next page
why-label = Why it matched:
why-matched = matched { $terms }
why-term = “{ $term }” in { $field }
why-term-how = “{ $term }” in { $field } ({ $how })
why-distance = { $km } km from { $place }
empty-intro = Nothing matches this search yet. You could:
empty-spelling = check the spelling, or use a more general word;
empty-fewer-words = use fewer words (every word must match), or join alternatives with OR;
empty-wider = choose a larger radius or a nearby larger city;
empty-without-filters = search the same words without filters
empty-chat = describe what you need to the chat
save-heading = Be told when it appears
save-text = Save this search and Ponte tells you when a matching offer is published.
save-button = Save this search
save-sign-in = Sign in to save this search
save-done = Search saved: new matching offers will reach your inbox.

## Values
kind-expertise = Expertise
kind-facility = Facility or service
kind-space = Space
kind-plural-expertise = experts and research groups
kind-plural-facility = facilities and services
kind-plural-space = spaces in incubators
org-kind-university = University
org-kind-research-centre = Research centre
org-kind-incubator = Incubator
org-kind-technical-service-provider = Technical service provider
org-kind-firm = Firm
org-kind-cluster = Cluster
org-kind-public-agency = Public agency
engagement-consultancy = Consultancy
engagement-contract-research = Contract research
engagement-joint-project = Joint project
engagement-student-project = Student project
engagement-licensing = Licensing
engagement-training = Training
space-type-hot-desk = Hot desk
space-type-dedicated-desk = Dedicated desk
space-type-private-office = Private office
space-type-lab-bench = Lab bench
space-type-wet-lab = Wet lab
space-type-workshop = Workshop
space-type-meeting-room = Meeting room
verified-any = Any
verified-true = Verified
verified-false = Not yet verified
sort-relevance = Best match
sort-distance = Distance
sort-newest = Newest
sort-price = Lowest price
field-title = title
field-topics = topics
field-techniques = techniques
field-summary = summary
field-description = description
field-organisation = organisation
how-exact = exact
how-stemmed = another form of the word
how-synonym = synonym
how-typo = spelling corrected
how-prefix = beginning of a word
unit-hour = hour
unit-day = day
unit-week = week
unit-month = month
unit-sample = sample
unit-test = test
unit-project = project
access-staff-operated = Operated by staff
access-self-service = Self-service after training
stage-idea = Idea
stage-startup = Start-up
stage-scaleup = Scale-up
stage-sme = Small or medium firm
stage-any = Any stage
price-from = from { $price }
price-from-per = from { $price } per { $unit }
price-per-month = { $price } per month
days = { $count ->
    [one] 1 day
   *[other] { $count } days
}
people = { $count ->
    [one] 1 person
   *[other] { $count } people
}

## Form problems
problem-field = { $field }: { $problem }
problem-whole-number = write a whole number, e.g. 4
problem-number = write a number, e.g. 25
problem-price = write an amount such as 350 or 350.50
problem-date = choose a date (year-month-day)
problem-choice = choose one of the options offered
problem-too-many-values = too many values; remove some
field-name-q = Search words
field-name-kind = Kind of offer
field-name-org-kind = Kind of organisation
field-name-country = Country
field-name-region = Region
field-name-city = City
field-name-topic = Topic
field-name-engagement = Ways to work
field-name-space-type = Kind of space
field-name-max-price = Highest price
field-name-currency = Currency
field-name-min-capacity = Space for at least
field-name-available-on = Available on
field-name-trl-min = Technology readiness, lowest
field-name-trl-max = Technology readiness, highest
field-name-verified = Organisation verified
field-name-near = Near
field-name-radius-km = Radius
field-name-sort = Sort by
field-name-limit = Results per page
field-name-cursor = Page

## Listings and organisations
generated-example = Generated example
generated-example-note = This offer is a generated example for the demonstration, not a real offer.
verified-badge = Verified
unverified-badge = Not yet verified
verified-explained = A Ponte broker has checked this organisation.
unverified-explained = A Ponte broker has not checked this organisation yet.
listing-not-published = Not published
listing-topics = Topics
listing-details = Details
detail-place = Where
detail-techniques = Techniques
detail-engagement = Ways to work together
detail-trl = Technology readiness
detail-languages = Languages spoken
detail-researchers = Researchers
detail-equipment = Equipment
detail-accreditation = Accreditation
detail-access = Access
detail-price = Price
detail-turnaround = Usual turnaround
detail-space-type = Kind of space
detail-capacity = Room for
detail-area = Area
detail-available = Available
detail-amenities = Amenities
detail-stages = For firms at stage
detail-sectors = For sectors
contact-heading = Business contact
contact-name = Name
contact-email = Email
contact-phone = Phone
contact-none = This organisation has not given a business contact yet; ask for an introduction instead.
contact-sign-in-text = The organisation's business contact is shown to signed-in members.
contact-sign-in = Sign in to see the contact
introduction-heading = Request an introduction
introduction-text = A Ponte broker passes your request on. Contacts are exchanged once the organisation accepts.
introduction-message = What do you need, and by when?
introduction-button = Request introduction
introduction-sent = Your request is on its way. You will find the answer in your inbox.
introduction-sign-in-text = Introductions are requested on behalf of a firm registered on Ponte.
introduction-sign-in = Sign in to request an introduction
introduction-firm-required = Introductions are requested on behalf of a firm: register your firm on Ponte first.
introduction-to-self = This offer belongs to your own organisation.
similar-heading = Similar offers
organisation-website = Website
organisation-offers = { $count ->
    [one] 1 published offer
   *[other] { $count } published offers
}
organisation-no-offers = This organisation has no published offers at the moment.

## Chat
chat-title = Ask the chat
chat-intro = Describe what you need in English or Italian, e.g. “an office in Modena for 4 people under 400 euros”.
chat-answer = Answer
chat-you-asked = You asked:
chat-understood = How I understood you
chat-relaxed = Nothing matched exactly, so I left out
chat-all-results = { $count ->
    [one] See the result on the search page
   *[other] See all { $count } results on the search page
}
chat-search-as-asked = Open the search as you asked it, to refine it with filters
chat-more = Show more
chat-more-like-this = More like these
chat-save = Save this search
chat-saved = Search saved: new matching offers will reach your inbox.
chat-sign-in-to-save = Sign in to save this search
chat-ask = Your question
chat-follow-up = Refine, e.g. “only in Modena”, “cheaper”, “spaces instead”
chat-placeholder = e.g. who can test carbon-fibre fatigue near Bologna?
chat-send = Send
chat-new = Start a new conversation
chat-empty = Write a question first.

## Problems
problem-bad-request = Please check what you entered
problem-bad-request-text = Something in the request could not be used. Go back and try again.
problem-sign-in = Please sign in
problem-sign-in-text = This needs a signed-in member.
problem-forbidden = Not allowed
problem-forbidden-text = This form was sent from another site, or you may not do this.
problem-not-found = Page not found
problem-not-found-text = There is nothing here: the offer or organisation may have been withdrawn, or the address is mistyped.
problem-conflict = That clashes with what exists
problem-too-many = Too many requests
problem-too-many-text = Too many messages from your address; wait a minute and try again.
problem-unavailable = Ponte is starting up
problem-unavailable-text = Please try again in a few seconds.
problem-ours = Something went wrong on our side
problem-ours-text = Please try again later. If it keeps happening, quote request id { $id }.
problem-home = Home page
