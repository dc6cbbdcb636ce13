"""MaintenanceScope: refuse requests outside plant maintenance; never refuse an ordinary maintenance question.

Four signals, cheapest first:
1. an explicit off-topic task (a poem, a recipe, code, homework, medical or legal advice ...): refused even
   when the message names an asset ("write a poem about P-101");
2. anchors: the site's entities (asset ids and names, classes, failure and alarm codes, part numbers,
   sensors) and maintenance vocabulary; a message with an anchor is in scope unless (1) says otherwise;
3. for a message with no anchor that touches an off-topic domain, or matches nothing at all: the nearest of
   a few dozen exemplars (MiniLM cosine similarity, deterministic); off-topic only when clearly nearer the
   off-topic exemplars. Without an embedder, only (1) and an off-topic domain without anchors refuse;
4. (thirteenth session) for a message of at least OFF_TOPIC_MIN_WORDS words that (1)-(3) let through, even one
   with anchors: the off-topic classifier (copilot.guards.intent.off_topic_probability, a logistic regression on
   the MiniLM embeddings of the development sets' off-topic requests against everything in scope) at
   OFF_TOPIC_THRESHOLD. The rules miss requests whose words are maintenance words used at home ("my washing
   machine's drum bearing", "a chainsaw chain for firewood") or in another language ("meine Steuererklärung").
In a conversation the copilot has already answered in (the validator's metadata `follow_up`, set by the chat), a
message shorter than OFF_TOPIC_MIN_WORDS that only (3) refused is a reply about the last answer ("same again
tomorrow?", "en français stp") and passes; (1) and the off-topic domains still refuse it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from guardrails import Validator, register_validator
from guardrails.classes.validation.validation_result import FailResult, PassResult, ValidationResult

from copilot.chat.entities import CLASS_WORDS, extract
from copilot.guards.text import canonical, normalise
from copilot.schemas import SiteSpec
from knowledge.embeddings import Embedder

OFF_TOPIC_TASKS: dict[str, tuple[str, ...]] = {
    "creative writing": (
        r"\b(?:write|compose|make|create|generate|give me|tell me|draft|pen|craft|sing)\b[^.?!\n]{0,40}\b(?:poem|poems|"
        r"haiku|sonnet|limerick|song|lyrics|rap|verse|rhyme|short story|bedtime story|fairy tale|novel|screenplay|"
        r"fan ?fic|fiction|love letter)\b",
        r"\b(?:poem|haiku|sonnet|limerick|song|rap|lyrics) (?:about|on|for)\b",
        r"\b(?:schreib\w*|verfass\w*|[ée]cri[st]\w*|escrib\w*|scriv\w*|escrev\w*|napisz|schrijf)\b[^.?!\n]{0,60}\b(?:"
        r"gedicht|poème|poeme|poema|poesia|poesie|wiersz|liebesbrief|liefdesbrief|chanson|canción|cancion|canzone)\b",
        r"\b(?:gedicht|liebesbrief|liefdesbrief|wiersz)\b[^.?!\n]{0,60}\b(?:schreiben|verfassen|dichten|schrijven|"
        r"napisa[cć])\b",
        r"\btell me a (?:joke|story|riddle)\b|\b(?:a|any) (?:good )?jokes?\b",
        r"\b(?:pick-?up|chat-?up) lines?\b",
        # a wedding speech in the site's languages ("mi scrivi un discorso per il matrimonio di Dara?")
        r"\b(?:wedding speech|hochzeitsrede|(?:discorso|discurso|discours|rede|speech|toespraak|przemowienie|toast)\b"
        r"[^.?!\n]{0,30}\b(?:matrimonio|boda|casamento|mariage|hochzeit|bruiloft|huwelijk|wesel\w*|slub\w*|wedding))\b",
        r"\b(?:tinder|bumble|hinge|dating(?: app| site| profile)?)\b[^.?!\n]{0,40}\b(?:openers?|bio|profile|first "
        r"messages?|lines?)\b|\b(?:openers?|bio|first message)\b[^.?!\n]{0,30}\b(?:tinder|bumble|hinge|dating)\b",
        # twentieth session, from fresh17 and fresh18: a dating app in the site's languages ("mon profil pour une appli
        # de rencontre"), a music track to compose ("compose a drum & bass track inspired by it")
        r"\b(?:appli(?:cation)?s? de rencontres?|sites? de rencontres?|app(?:s)? de citas|dating-?apps?|"
        r"datingsites?|aplikacj\w* randkow\w*|app di incontri|aplicativos? de namoro)\b",
        r"\b(?:compose|make me|write me)\b[^.?!\n]{0,40}\b(?:track|beat|tune|melody|jingle|remix)\b(?!-)"
        r"[^.?!\n]{0,60}\b(?:bpm|arrangement|chorus|verse|bassline|lyrics)\b|"
        r"\b(?:drum (?:&|and|n'?) bass|dubstep|techno|trance|hip-?hop|edm|lo-?fi) (?:track|beat|tune|mix|song)\b",
    ),
    "cooking": (
        r"\b(?:recipe|recipes|rezept|rezepte|receta|recetas|recette|recettes|ricetta|ricette|receita|receitas|how (?:do i|to) (?:cook|bake|make (?:a |some )?(?:cake|bread|pasta|pizza|curry|soup|"
        r"cocktail|lasagna|lasagne|pancakes|cookies))|what should i (?:cook|eat)|dinner (?:ideas|tonight)|"
        r"cocktail|marinade)\b",
    ),
    "writing code": (
        r"\b(?:write|generate|code|create|give me|make|build|draft|fix|debug)\b[^.?!\n]{0,30}\b(?:python|javascript|"
        r"typescript|java|c\+\+|c#|golang|rust|sql|bash|powershell|vba|excel macro|macro|regex|html|css|php|"
        r"kotlin|swift|react)\b[^.?!\n]{0,30}\b(?:script|code|program|function|class|app|query|snippet|macro|"
        r"page|website)?",
        r"\b(?:write|generate|create|give me|build|make|draft)\b[^.?!\n]{0,20}\b(?:a |an |some |the )?(?:script|"
        r"program|function|snippet|app|website|web page|browser extension|chrome extension|bot|code)\b"
        r"(?! (?:for|of) (?:the )?(?:alarm|failure|fault|error))",
    ),
    "homework or general knowledge": (
        r"\b(?:homework|assignment|essay|dissertation|thesis|term paper|book report|exam questions?|my (?:math|"
        r"maths|history|chemistry|biology|physics|english|literature|geography|economics|philosophy|french|spanish|"
        r"german) (?:class|test|exam|homework|course|seminar))\b",
        r"\bsolve (?:for x|this equation|the equation|\d)|\bintegral of\b|\bderivative of\b",
        # an essay in the site's other languages ("pomóż mi napisać esej na 500 słów")
        r"\b(?:esej\w*|wypracowani\w*|aufsatz|aufsatze|hausaufgaben?|hausarbeit(?:en)?|opstel|werkstuk)\b",
        r"\b(?:qui[eé]n gan[oó]|qui a gagn[eé]|chi ha vinto|quem ganhou|wer hat\b[^.?!\n]{0,30}\bgewonnen|wie heeft\b"
        r"[^.?!\n]{0,30}\bgewonnen|kto wygra[lł])\b",
        # who wins a game: "wer gewinnt heute das Bundesliga-Spiel", "quién gana el partido", "who wins the derby"
        r"\b(?:who (?:will )?wins?|wer gewinnt|qui[eé]n (?:gana|ganar[aá])|qui va gagner|qui gagne|chi vince(?:r[aà])?|"
        r"quem (?:ganha|vai ganhar)|wie (?:wint|gaat winnen)|kto wygra)\b[^.?!\n]{0,60}\b(?:spiel|match|partido|"
        r"partita|partida|jogo|wedstrijd|mecz|game|finale?|derby|pokal|copa|coupe|coppa|ta[cç]a|bundesliga|liga|"
        r"ligue|league|serie a|eredivisie)",
        r"\b(?:capital (?:city )?of|who (?:won|invented|discovered|painted|wrote)|when did (?:world war|ww)|"
        r"how tall is|how far is the moon|population of)\b",
    ),
    "medical advice": (
        r"\b(?:what|which|how much|should i take|can i take|is it (?:ok|safe) to take)\b[^.?!\n]{0,40}\b(?:medication|"
        r"medicine|pills?|tablets?|painkillers?|ibuprofen|paracetamol|acetaminophen|aspirin|antibiotics?|dose|"
        r"dosage|cream|ointment)\b",
        r"\b(?:diagnose (?:me|my)|my (?:head|back|chest|stomach|throat|tooth|knee|arm|leg|neck|ear)s? (?:hurts?|"
        r"aches?|is killing me|pain)|i (?:feel|am|'m) (?:sick|dizzy|nauseous|depressed|anxious)|do i have (?:covid|"
        r"cancer|diabetes|the flu|an infection)|symptoms of (?:covid|cancer|diabetes|flu|a heart attack|stroke|"
        r"depression|pregnancy)|am i pregnant|blood pressure (?:medication|pills)|see a doctor|prescription)\b",
        # which medicine to take, in the site's languages (twenty-fourth session, from fresh22: "Quel
        # anti-inflammatoire je peux prendre et à quelle dose ?"; rules see normalised text: no accents)
        r"\b(?:quel(?:le)?s?|welche[snrm]?|que|cual(?:es)?|che|quale|qual|welke?|jaki\w*|"
        r"combien|wie ?viel|cuanto|quanto|ile|hoeveel)\b[^.?!\n]{0,40}\b(?:anti-?inflammatoire\w*|"
        r"medicament\w*|medikament\w*|schmerzmittel\w*|schmerztablette\w*|pastillas?|"
        r"antiinflamatorio\w*|analgesico\w*|farmac[oi]|medicin[ae]|antidolorific\w*|antinfiammatori\w*|"
        r"comprimidos?|medicijn\w*|pijnstiller\w*|lek(?:i|ow|arstw\w*)?|przeciwbolow\w*|ibuprof\w*|paracetamol\w*|"
        r"doliprane|aspirin\w*|voltaren|diclofenac\w*)\b",
        # diets and losing weight, in the site's languages
        r"\b(?:diet|diets|dieta|dietas|diät|diat|régime|regime alimentaire|dieet)\b[^.?!\n]{0,40}\b(?:lose|losing|perder|"
        r"bajar|abnehmen|maigrir|perdre|dimagrire|afvallen|schudnąć|schudnac|kg|kilos?|weight|peso|poids|gewicht)\b|"
        r"\b(?:lose|losing|perder|bajar|perdre|dimagrire) (?:\d+ ?(?:kg|kilos?|pounds|lbs?)|weight|peso|poids)\b",
    ),
    "fraud or attacks on systems": (
        r"\b(?:phishing|spear-?phishing|scam (?:e-?mail|message|call|text)|malware|ransomware|keylogger|spyware|"
        r"(?:hack|break) into|crack (?:a |the |his |her |their |someone'?s )?(?:password|account|wifi|wi-fi)|"
        r"steal (?:passwords|credentials|logins?|data)|(?:fake|forged?) (?:invoice|receipt|doctor'?s note|sick note|"
        r"timesheet|overtime|expense))\b",
    ),
    "dating advice": (
        # asking someone out: "how do I ask her out without it being weird"
        r"\bask (?:(?:her|him|them)|(?:a|the|this|that) (?:[\w-]+ ){0,3}?(?:girl|guy|woman|man|colleague|coworker|"
        r"co-worker|operator|technician|tech)) out(?=\s*(?:[?.!,]|$)| (?:on a date|for (?:a )?(?:date|dinner|drinks?|"
        r"coffee|lunch)|without|next|after|again))",
    ),
    "travel planning": (
        # "plan me a 5 day Japan trip": a trip of some days is a holiday, not an equipment trip
        r"\b(?:plan|organi[sz]e|put together|suggest)\b[^.?!\n]{0,20}\b\d+[- ]?(?:days?|nights?|weeks?)\b"
        r"(?:(?!shut-?down|outage|service|maintenance|site|plant|inspection|overhaul)[^.?!\n]){0,30}"
        r"\b(?:trip|holiday|vacation|getaway|itinerary|tour|city break)\b",
    ),
    "job applications": (
        r"\b(?:cover letter|covering letter|motivation letter|lettre de motivation|carta de (?:presentacion|"
        r"motivacion)|anschreiben|bewerbungsschreiben|lettera di (?:presentazione|motivazione)|carta de apresentacao|"
        r"(?:write|update|improve|polish|redo) my (?:cv|resume|linkedin)|job interview (?:tips|questions|answers))\b",
    ),
    "legal advice": (
        # asking for advice; a legal matter only named ("left early for his divorce hearing") is a domain below
        r"\b(?:legal advice|sue (?:my|the|him|her|them|the company)|can i sue|press charges|unfair dismissal|"
        r"employment tribunal|is it legal to (?:fire|record|sack)|(?:write|draft|escrever|escribir|redactar|[ée]crire|"
        r"r[ée]diger|schreiben|scrivere|schrijven)\b[^.?!\n]{0,60}\b(?:(?:to|for) (?:my|the) landlord|para o senhorio|"
        r"(?:para|al) (?:el |mi )?(?:casero|arrendador)|(?:à|a) (?:mon|ma) propri[ée]taire|an (?:meinen|den) vermieter|"
        r"(?:al|per il) padrone di casa|aan (?:mijn|de) verhuurder)|(?:do|should) i (?:need|get|hire) a (?:lawyer|"
        r"solicitor|attorney)|my (?:tenancy|lease|landlord|will)\b[^.?!\n]{0,40}\?)\b",
    ),
    "financial advice": (
        r"\b(?:should i|shall i|is it (?:a )?good (?:time|idea) to|where (?:should|do) i)\s+(?:put|invest|buy|sell|"
        r"move)\b[^.?!\n]{0,40}\b(?:savings|money|pension|shares|stocks?|crypto|bitcoin|etfs?|funds?)\b",
        r"\binvest(?:ing)? my (?:savings|money|pension|bonus)\b",
        # twenty-third session, from fresh21: "Is the compressor vendor's stock a buy right now? ... putting my bonus
        # into it"
        r"\b(?:stock|shares?)\b[^.?!\n]{0,20}\b(?:a (?:good |strong )?buy|worth buying)\b|\bput(?:ting)? my (?:savings|"
        r"money|pension|bonus)\s+(?:into|in)\b",
    ),
    "a complaint about a colleague": (
        # a complaint or grievance to HR about a person (twenty-seventh session, from fresh25: "help me draft a
        # complaint to HR about Omar always being on my case at handover"); a complaint to a supplier about a part is
        # maintenance and stays in scope
        r"\b(?:complaint|grievance|queja|reclamacion|denuncia|plainte|beschwerde|reclamo|reclamacao|klacht|skarg\w*)\b"
        r"[^.?!\n]{0,30}\b(?:to|with|for|a|al|aux?|an|bei|bij|do|alle?|ao|para (?:o|a|los|las|el|la))\s+(?:the\s+|die\s+|"
        r"de\s+|la\s+|les\s+)?(?:hr|human resources|rrhh|recursos humanos|rh|ressources humaines|personalabteilung|"
        r"personalwesen|risorse umane|p&o|personeelszaken|kadr\w*|works council|betriebsrat)\b",
    ),
    "tax returns": (
        # filling in one's own tax return, in the site's languages (twenty-third session, from fresh21: "Mi spieghi
        # come compilare la dichiarazione dei redditi")
        # (in English the off-topic classifier reads "my tax return" already)
        r"\b(?:dichiarazione dei redditi|declaracion de la renta|steuererklarung|"
        r"declaration d'impots?|belastingaangifte|zeznani\w* podatkow\w*|declaracao de (?:irs|imposto de renda))\b",
    ),
    "household or private vehicle repair": (
        # an appliance at home or one's own car, in maintenance words (twenty-third session, from fresh21: "The combi
        # boiler at my house keeps losing pressure", "My 2014 Golf TDI is throwing P0401")
        r"\b(?:washing machine|dishwasher|tumble dryer|fridge|freezer|(?:combi|gas|central heating) boiler|boiler|"
        r"window (?:ac|a/c|unit)|air ?con(?:ditioner)?|heat pump|aquarium|lawn ?mower|oven|microwave|water heater|"
        r"radiators?)\b[^.?!\n]{0,30}\b(?:at (?:my )?(?:home|house|flat|place)|in my (?:house|flat|kitchen|garage|"
        r"apartment|home))\b",
        r"\bmy (?:(?:19|20)\d\d |old |new |wife'?s |husband'?s |son'?s |daughter'?s |own )?(?:car|van|truck|"
        r"motorbike|motorcycle|scooter|golf|polo|passat|corolla|civic|fiesta|focus|astra|clio|yaris|octavia)(?:'s)?\b"
        r"[^.?!\n]{0,40}\b(?:engine|idles?|idling|throwing (?:a )?(?:code|p\d{4})|check engine|ac|a/c|air ?con|brakes?|"
        r"gearbox|clutch|tyres?|tires?|exhaust|egr|dpf|service light|battery|won'?t start|mpg)\b",
    ),
}
OFF_TOPIC_DOMAINS: dict[str, tuple[str, ...]] = {
    "politics": (
        r"\b(?:election|elections|vote|voting|president|prime minister|politic(?:s|al|ian|ians)|democrats?|"
        r"republicans?|labour party|conservative party|parliament|senator|congress|government policy|"
        r"immigration policy|left-?wing|right-?wing|abortion|gun control|geopoliti\w*|the war (?:in|between|on)|"
        r"wars? in (?:the )?(?:middle east|ukraine|gaza|israel|russia|iran|syria|yemen|sudan))\b",
    ),
    "finance": (
        r"\b(?:stock market|stock price|share price|stocks? to buy|which stocks?|shares in|crypto(?:currency)?|"
        r"bitcoin|ethereum|dogecoin|invest(?:ing|ment)? (?:in|advice)|portfolio|forex|day trading|dividends?|"
        r"nasdaq|s&p 500|dow jones|retirement fund|mortgage|interest rates?|tax return|lottery|"
        # a mortgage in the site's languages (twenty-seventh session, from fresh25: "de beste hypotheek in Nederland")
        r"hypotheek|hypotheken|hypothek|hypotheque|hipoteca|ipoteca|kredyt\w* hipoteczn\w*|"
        # the site's languages (twenty-fifth session, from fresh23: "¿Qué criptomoneda me recomiendas comprar?")
        r"cripto(?:moneda|valuta|moeda)s?|kryptowahrung\w*|crypto-?monnaies?|cryptomunt\w*|kryptowalut\w*|"
        r"(?:comprar|invertir en) acciones|bolsa de valores|aktien kaufen|acheter des actions|azioni da comprare)\b",
    ),
    "sports": (
        r"\b(?:football|soccer|basketball|baseball|cricket|rugby|tennis|golf|formula 1|f1 race|world cup|"
        r"premier league|champions league|la champions|la liga|bundesliga|serie a|eredivisie|ligue 1|nba|nfl|super bowl|olympics|match score|who won the (?:game|match))\b",
    ),
    "entertainment": (
        r"\b(?:movie|movies|film|films|netflix|tv show|tv series|series to watch|celebrity|celebrities|album|"
        r"concert|video game|videogame|playstation|xbox|anime|horoscope|astrology|zodiac|tarot)\b",
    ),
    "travel and leisure": (
        r"\b(?:vacation|holiday (?:destination|ideas|plans?)|flights? to|hotel in|hotels in|things to do in|"
        r"tourist|sightseeing|restaurant (?:near|in|recommendation)|vacaciones|vacances|vacanze|urlaub|vakantie|"
        r"wakacj\w*|ferias|hotel(?:es|s)? (?:barato|economico|pas cher|billig|goedkoop|tani)\w*)\b",
    ),
    "legal matters": (
        r"\b(?:lawyer|attorney|solicitor|lawsuit|divorce|custody|contract dispute|immigration|visa application|"
        r"my (?:tenancy|lease|landlord|will))\b",
    ),
    "personal life": (
        r"\b(?:girlfriend|boyfriend|dating|tinder|crush on|wedding speech|birthday (?:gift|present|party)|"
        r"relationship advice|break up with|pick-?up lines?)\b",
    ),
    "weather": (r"\b(?:weather (?:forecast|tomorrow|today|this weekend)|will it rain|forecast for)\b",),
    # a translation is off topic only when its text has nothing of the plant: "translate this notice into Spanish
    # for the contractor crew: 'Never bypass the flow switch ...'" names the site's equipment and is in scope
    # (twenty-sixth session, from fresh23's b23-016, which this rule refused as a task, anchors or not, until then)
    "translation": (
        r"\btranslate\b[^.?!\n]{0,60}\b(?:into|to) (?:french|spanish|german|italian|chinese|japanese|korean|"
        r"arabic|russian|portuguese|dutch|latin|klingon)\b",
    ),
}
_TASKS = {k: [re.compile(p) for p in v] for k, v in OFF_TOPIC_TASKS.items()}
_NOT_ANCHORS = frozenset({"rate", "return", "supply", "current", "water"})
_DOMAINS = {k: [re.compile(p) for p in v] for k, v in OFF_TOPIC_DOMAINS.items()}

MAINTENANCE_WORDS = frozenset(
    """
    pump pumps compressor compressors chiller chillers motor motors bearing bearings seal seals valve valves
    impeller coupling shaft casing gasket strainer filter filters oil grease lubrication lubricate relubricate
    vibration vibrations temperature pressure flow voltage leak leaking leaks noisy rattle rattling smoke
    overheating overheat cavitation misalignment alignment fouling refrigerant condenser evaporator separator
    cooler breaker isolator fuse megger insulation winding windings sensor sensors transmitter gauge trend
    alarm alarms tripped tripping interlock interlocks fault faults failure failures manual procedure
    procedures torque spare spares kit repair repairs replace replacement replacing inspect inspection
    maintenance preventive predictive corrective overhaul servicing calibration calibrate work-order
    workorder technician technicians tech techs fitter electrician mechanic shift shifts roster booking
    operator operators permit permits loto lockout tagout isolation isolate energised energized ppe hazard
    hazards guard guards shutdown restart setpoint threshold rpm amps psi degc downtime uptime equipment
    machine machines incident incidents troubleshoot troubleshooting investigation alert alerts standby
    drain vent flush sleeve worn corrosion weld welding hvac cooling chilled condensate instrument nameplate
    datasheet cmms mtbf mttr oem wo
    """.split()
)

MAINTENANCE_PHRASES = (
    "work order", "spare part", "root cause", "on shift", "night shift", "day shift", "evening shift",
    "return to service", "permit to work", "confined space", "safety valve", "relief valve", "first aid",
    "control room", "set point", "lock out", "tag out", "test run", "oil change", "vibration analysis",
)  # fmt: skip

IN_SCOPE_EXEMPLARS = (
    "how do I replace the mechanical seal on the pump",
    "why is the bearing temperature rising",
    "what does this alarm code mean",
    "who is on shift tonight",
    "create a work order to replace the filter",
    "what are the lockout steps before working on the compressor",
    "what torque for the casing bolts",
    "which spare parts do we need for the bearing change",
    "the vibration keeps going up on the cooling water pump",
    "book a technician for tomorrow morning",
    "what is the current status of the chiller",
    "when was this machine last repaired",
    "how often should the bearings be greased",
    "the compressor tripped on high temperature, what could cause it",
    "what protective equipment do I need for refrigerant work",
    "is it safe to open the water box",
    "how do I leak test the refrigerant circuit",
    "oil pressure is low on the screw compressor",
    "condenser approach is high and head pressure rising",
    "the motor current is unbalanced between phases",
    "there is a crackling noise in the pump casing",
    "what is the alignment tolerance",
    "how do I megger the motor windings",
    "show me the open work orders",
    "is there an investigation open on this asset",
    "what failure modes does this equipment have",
    "which technician is qualified for electrical work",
    "how long does a seal replacement take",
    "what did we find the last time it failed",
    "give me a summary of the recent alerts",
    "what is the normal operating pressure",
    "can you shut down the chiller for cleaning",
    "who can approve this request",
    "what permit do I need for confined space entry",
    "the machine is making a strange smell",
    "how do I return the equipment to service after repair",
    "what does the manual say about start-up",
    "is the standby unit available",
    "how do I reset the controller after a fault",
    "what caused the last breakdown",
)
OFF_TOPIC_EXEMPLARS = (
    "write me a poem about love",
    "tell me a funny joke",
    "give me a recipe for chocolate cake",
    "what should I cook for dinner tonight",
    "who should I vote for in the election",
    "what do you think about the president",
    "which stocks should I buy this week",
    "is bitcoin a good investment",
    "help me with my math homework",
    "write an essay about the french revolution",
    "what is the capital of australia",
    "who won the football match last night",
    "what is the weather forecast for tomorrow",
    "recommend a good movie to watch",
    "plan my holiday to spain",
    "my back hurts, what medication should I take",
    "can I sue my landlord",
    "I need legal advice about my divorce",
    "write a python script that scrapes a website",
    "how do I build a website in react",
    "give me dating advice",
    "translate this paragraph into french",
    "what is the meaning of life",
    "tell me about the history of the roman empire",
    "what is my horoscope today",
    "write a wedding speech for my brother",
    "how do I lose weight fast",
    "what's the best video game this year",
    "explain quantum physics to me",
    "how many calories are in a banana",
    "recommend a good book to read",
    "what is the best smartphone to buy",
    "how do I train my dog",
    "tell me something interesting about space",
    "what are the rules of chess",
)


_EXEMPLAR_VECTORS: dict[str, tuple[np.ndarray, np.ndarray]] = {}
_EXEMPLAR_LOCK = threading.Lock()


@dataclass
class ScopeSimilarity:
    """Nearest-exemplar similarity with the packaged MiniLM; exemplars are embedded once per model."""

    embedder: Embedder

    def exemplars(self) -> tuple[np.ndarray, np.ndarray]:
        """(in-scope, off-topic) exemplar vectors, embedded on first use."""
        with _EXEMPLAR_LOCK:
            key = self.embedder.model_id
            if key not in _EXEMPLAR_VECTORS:
                _EXEMPLAR_VECTORS[key] = (
                    self.embedder.embed(list(IN_SCOPE_EXEMPLARS), exact=True),
                    self.embedder.embed(list(OFF_TOPIC_EXEMPLARS), exact=True),
                )
            return _EXEMPLAR_VECTORS[key]

    def scores(self, text: str) -> tuple[float, float]:
        """(max similarity to in-scope exemplars, max similarity to off-topic exemplars)."""
        inside, outside = self.exemplars()
        vector = self.embedder.embed_query(text)
        return float(np.max(inside @ vector)), float(np.max(outside @ vector))


OUT_MIN_SIMILARITY = 0.40
OUT_MARGIN = 0.08
OFF_TOPIC_THRESHOLD = 0.8
"""The off-topic classifier's threshold, chosen by leave-one-set-out over the fourteen development sets with
`python -m evals.offtopic_loso` (thirteenth session): at 0.8, 127 of their 166 off-topic requests above it, none of
their 970 benign questions or 338 other cases that expect no refusal, and 2 of the 200 conversational follow-ups of
evals/cases/followups.yaml; 0.9 gave 113, 0, 0 and 1; 0.7 gave 132, 0, 0 and 4. Past 0.8 each follow-up refused buys
few off-topic catches, and an off-topic request answered costs little (the answer is about the site anyway), while a
follow-up refused stops a technician mid-job. Twentieth session, with fresh14 .. fresh18 added to the training file
(nineteen development sets): at 0.8, 177 of their 226 off-topic requests above it (168 before those sets were added),
none of their 1,320 benign questions or 473 other cases that expect no refusal, and 2 of the 200 follow-ups; 0.7 gave
185, 0, 0 and 3; 0.9 gave 157, 0, 0 and 1. The threshold stays at 0.8."""
OFF_TOPIC_MIN_WORDS = 9
"""Shorter messages are never judged by the off-topic classifier: conversational follow-ups ("make it a table",
"can you give me a quick summary please") read as nothing in particular to frozen embeddings, and some score high
even though they are among its negatives. In the first trial (threshold 0.7) 19 of the 200 blind follow-ups were
above it from 6 words up and 6 from 8 words up; from 9 words up the classifier finds 127 of the 166 off-topic
requests at 0.8 (129 from 8 words, 124 from 10)."""


def _first(patterns: dict[str, list[re.Pattern[str]]], texts: list[str]) -> str | None:
    for label, compiled in patterns.items():
        if any(p.search(t) for p in compiled for t in texts):
            return label
    return None


def _refusal(topic: str) -> str:
    return (
        f"it is outside plant maintenance ({topic}); I can help with the site's equipment, alarms, "
        "procedures, parts, work orders, shifts and safety questions"
    )


@register_validator(name="copilot/maintenance_scope", data_type="string")
class MaintenanceScope(Validator):  # type: ignore[misc]
    """Off-topic requests; `site` gives the entities, `known_terms` the manuals' part numbers and codes,
    `similarity` (optional) the exemplar check, `off_topic` (optional) the classifier's probability."""

    def __init__(
        self,
        site: SiteSpec | None = None,
        similarity: ScopeSimilarity | None = None,
        known_terms: frozenset[str] = frozenset(),
        off_topic: Callable[[str], float] | None = None,
        on_fail: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(on_fail=on_fail, **kwargs)
        self.site = site
        self.similarity = similarity
        self.off_topic = off_topic
        self.known_terms = known_terms
        self._site_words = self._words_of(site)

    @staticmethod
    def _words_of(site: SiteSpec | None) -> frozenset[str]:
        words = set(MAINTENANCE_WORDS)
        for class_words in CLASS_WORDS.values():
            words.update(w for w in class_words if " " not in w)
        if site is not None:
            for spec in site.asset_classes:
                for sensor in spec.sensors:
                    words.update(w for w in sensor.id.split("_") if len(w) > 3 and w not in _NOT_ANCHORS)
                for mode in spec.failure_modes:
                    words.update(w for w in re.findall(r"[a-z]+", mode.name.lower()) if len(w) > 3)
            for asset in site.assets:
                words.update(w for w in re.findall(r"[a-z]+", asset.name.lower()) if len(w) > 3)
        return frozenset(words)

    def anchors(self, text: str) -> list[str]:
        """Site entities and maintenance words in the message."""
        found: list[str] = []
        if self.site is not None:
            entities = extract(text, self.site)
            found += entities.asset_ids + entities.failure_codes + entities.alarm_codes
            found += [p for p in entities.part_numbers if p in self.known_terms]
            found += entities.sensors + ([entities.asset_class] if entities.asset_class else [])
        plain = normalise(text)
        tokens = set(re.findall(r"[a-z][a-z-]+", canonical(text))) | set(re.findall(r"[a-z][a-z-]+", plain))
        found += sorted(tokens & self._site_words)
        found += [p for p in MAINTENANCE_PHRASES if p in plain]
        return found

    def _validate(self, value: Any, metadata: dict[str, Any]) -> ValidationResult:
        text = str(value)
        result = self._rules(text)
        short = len(text.split()) < OFF_TOPIC_MIN_WORDS
        if isinstance(result, FailResult):
            if short and metadata.get("follow_up") and (result.metadata or {}).get("signal") == "similarity":
                # a short reply in a conversation ("same again tomorrow?", "en français stp") is about the last
                # answer; a task or an off-topic domain is still refused
                return PassResult()
            return result
        if self.off_topic is None or short:
            return result
        probability = self.off_topic(text)
        if probability >= OFF_TOPIC_THRESHOLD:
            topic = _first(_DOMAINS, [normalise(text), canonical(text)]) or "not a maintenance question"
            return FailResult(
                error_message=_refusal(topic),
                metadata={"topic": topic, "signal": "classifier", "probability": round(probability, 3)},
            )
        return result

    def _rules(self, text: str) -> ValidationResult:
        """Signals (1)-(3): the explicit tasks, the anchors and domains, the exemplars."""
        texts = [normalise(text), canonical(text)]
        task = _first(_TASKS, texts)
        if task is not None:
            return FailResult(error_message=_refusal(task), metadata={"topic": task, "signal": "task"})
        domain = _first(_DOMAINS, texts)
        if self.anchors(text):
            if domain is None or self.similarity is None:
                return PassResult()
            inside, outside = self.similarity.scores(text)
            if outside - inside >= OUT_MARGIN:  # "a netflix series for the night shift"
                return FailResult(
                    error_message=_refusal(domain),
                    metadata={"topic": domain, "signal": "domain+similarity", "in": inside, "out": outside},
                )
            return PassResult()
        if self.similarity is None:
            if domain is not None:
                return FailResult(
                    error_message=_refusal(domain), metadata={"topic": domain, "signal": "domain"}
                )
            return PassResult()
        inside, outside = self.similarity.scores(text)
        if domain is not None and outside >= inside:
            return FailResult(
                error_message=_refusal(domain),
                metadata={"topic": domain, "signal": "domain", "in": inside, "out": outside},
            )
        if outside >= OUT_MIN_SIMILARITY and outside - inside >= OUT_MARGIN:
            topic = domain or "not a maintenance question"
            return FailResult(
                error_message=_refusal(topic),
                metadata={"topic": topic, "signal": "similarity", "in": inside, "out": outside},
            )
        return PassResult()
