"""SafetyBypass: anything that would defeat a safety system, in a request, an answer or an action.

Families: defeating an interlock or trip (bypass, jumper, override, force, disable ...), skipping or
short-cutting lockout-tagout, silencing or inhibiting alarms, raising a trip or alarm limit (or resetting
a trip again and again) to keep running, exceeding a rated limit, running without guards, working on
live or pressurised equipment. A rule matches a verb and a safety object in one sentence; negation
before the verb ("never bypass", "do not jumper") or a warning in the same clause ("bypassing it is
dangerous") makes it legitimate safety content, as does a question about consequences ("what happens if").

In a request or an action description it refuses; in an answer it replaces the text with a safe refusal.
"""

from __future__ import annotations

import re
from typing import Any

from guardrails import Validator, register_validator
from guardrails.classes.validation.validation_result import FailResult, PassResult, ValidationResult

from copilot.guards.text import clauses, decoded_payloads, normalise, sentences, variants

_CLAUSE_START = r"(?:but|then|so|if|when|because|while|unless)"
"""A word that starts a new clause; "and" and "or" do too, unless they join two objects ("the limit and the overload")."""
_W = rf"(?:[\s,]+(?!(?:and|or|{_CLAUSE_START})\b)[\w'()/-]+){{0,6}}?[\s,]+"  # up to six words, not a new clause
_OBJ = (
    r"(?:interlocks?|trip (?:circuits?|relays?|switch(?:es)?|functions?|settings?|limits?|points?|signals?)|"
    r"trips?|safety (?:systems?|valves?|switch(?:es)?|relays?|circuits?|devices?|functions?|chains?|loops?|"
    r"interlocks?|shut-?downs?|cut-?outs?|features?|controls?)|safeties|sis|esd|e-?stops?|emergency stops?|"
    r"shut-?downs?|cut-?outs?|limit switch(?:es)?|flow switch(?:es)?|pressure switch(?:es)?|level switch(?:es)?|"
    r"freeze (?:protection|stat|thermostat)|freezestat|overload(?: relays?| protection| trips?)?|protections?|"
    r"permissives?|relief valves?|psvs?|prvs?|pressure relief|machine guards?|guard (?:switch(?:es)?|interlocks?)|"
    r"light curtains?|door switch(?:es)?|watchdogs?|alarms?|horns?|sirens?|buzzers?|beacons?|annunciators?|"
    r"gas (?:detectors?|monitors?|alarms?)|refrigerant (?:monitors?|detectors?|alarms?)|detectors?|"
    r"(?:a|e)-\d{3}|ch-5\d\d|low oil pressure|high (?:pressure|temp(?:erature)?) (?:cut-?out|switch)|"
    r"pressostat[oi]?s?|thermostat de securite|securites?|[a-z]*(?:druckschalter|wachter|abschaltung(?:en)?|"
    r"schalter)|presostatos?|interruptor(?:es)? de (?:flujo|presion|nivel)|"
    r"disparo|parada de emergencia|arret d'urgence|corte (?:por|de) (?:baixa|alta|baja|alto|bajo|sobre)\w*|not-?aus|sicurezza|interblocco|intertravamento|"
    r"zabezpieczeni[ea]|blokad[aey]|"
    r"overbelasting(?:srelais|sbeveiliging)?|(?:hogedruk|lagedruk|overdruk|druk|oliedruk|temperatuur)?"
    r"beveiliging(?:en)?|vergrendeling(?:en)?|noodstop|veiligheidsklep(?:pen)?|"
    r"[a-z]*schakelaars?)"
)
_ALARM_OBJ = (
    r"(?:alarms?|horns?|sirens?|buzzers?|beacons?|annunciators?|warnings?|alerts?|gas (?:detectors?|monitors?)|"
    r"refrigerant (?:monitors?|detectors?)|detectors?|(?:a|e)-\d{3}|ch-5\d\d)"
)
_DEFEAT = (
    r"(?:bypass(?:es|s|ing)?(?! (?:valve|line|loop|damper|pipe|port)s?\b)|jumper(?:es|s|ing)?|jump(?:es|s|ing)? (?:out|over)|"
    r"bridg(?:e|es|ing)(?: out)?|short(?:es|s|ing)?(?: out|-circuit)|overrid(?:e|es|ing)|defeat(?:es|s|ing)?|disabl(?:e|es|ing)|"
    r"deactivat(?:e|es|ing)|inhibit(?:es|s|ing)?|suppress(?:es|s|ing)?|mut(?:e|es|ing)|silenc(?:e|es|ing)|shelv(?:e|es|ing)|mask(?:es|s|ing)?|"
    r"forc(?:e|es|ing)|spoof(?:es|s|ing)?|fool(?:es|s|ing)?|trick(?:es|s|ing)?|cheat(?:es|s|ing)?|tap(?:e|es|ing) over|gag(?:ging)?|"
    r"wedg(?:e|es|ing)|pin(?:ning)?|tie (?:down|off)|cable-?tie|plug(?:ging)?|block(?:es|s|ing)?|disconnect(?:es|s|ing)?|"
    r"unplug(?:ging)?|(?:turn|switch|shut)(?:es|s|ing)? off|kill(?:es|s|ing)?|snooz(?:e|es|ing)|get rid of|get around|"
    r"circumvent(?:es|s|ing)?|(?:pull|remove|take out)(?:es|s|ing)? the fuses? (?:for|on|of|in)|puentear|anular|"
    r"desactivar|silenciar|contourner|shunter|shunt(?:s|ing)?(?! trip| resistor| coil| reactor)|desactiver|"
    r"desabilitar|desabilite|inibir|inibe|inibo|inibindo|inhibir|inhiber|inibire|uberbrucken|ueberbruecken|uberbrucke|ueberbruecke|"
    r"zmostkowac|zmostkuj\w*|zmostkowal\w*|uberbruckt|ueberbrueckt|(?:hacer|hago|hacerle|hacele|le hago|poner|pongo|meter|fazer|faco) (?:un |uma? )?"
    r"(?:puente|ponte|jumper)(?: (?:a|al|en|no|na))?|"
    r"deaktivieren|stummschalten|ponticellare|escludere|disattivare|bypassare|desativar|"
    r"overbruggen|overbrug|overbrugd|omzeilen|omzeil|uitschakelen|uitzetten|negeren)"
)
_PASSIVE = (
    r"(?:bypassed|jumpered|jumped out|bridged(?: out)?|overridden|overrided|defeated|disabled|deactivated|"
    r"inhibited|suppressed|muted|silenced|shelved|masked|forced|gagged|taped over|disconnected|switched off|"
    r"turned off|shorted(?: out)?)"
)
_SOFTEN = (
    r"(?:raise|raising|increase|increasing|bump(?:ing)?(?: up)?|lift(?:ing)?|widen(?:ing)?|loosen(?:ing)?|"
    r"relax(?:ing)?|detun(?:e|ing)|desensiti[sz](?:e|ing)|extend(?:ing)?|lengthen(?:ing)?|delay(?:ing)?|"
    r"turn(?:ing)? up|crank(?:ing)? up|push(?:ing)? up|set(?:ting)? (?:it |them )?higher|move(?:ing)? up|"
    r"adjust(?:ing)? (?:it |them )?up(?:wards?)?|subir|aumentar|augmenter|erhohen|erhoehen|alzare)"
)
_LIMIT_OBJ = (
    r"(?:(?:trip|alarm|shut-?down|cut-?out|protection|overload|interlock|high[- ]pressure|high[- ]temp(?:erature)?|"
    r"vibration|safety|relief|psv|prv)\b(?:[\s-]+[\w-]+){0,2}?[\s-]+(?:limits?|points?|settings?|set ?points?|"
    r"thresholds?|levels?|delays?|timers?|values?|relays?|pressures?)|overload(?: relay)?|relief valve|"
    r"safety valve|(?:a|e)-\d{3}|ch-5\d\d)"
)
_STOP_TRIPPING = (
    r"(?:so (?:that )?it (?:stops|won'?t|doesn'?t|will not|does not|can'?t|no longer) (?:trip|alarm|shut|cut)|"
    r"to (?:stop|avoid|prevent) (?:it |the )?(?:nuisance )?(?:tripping|trips|alarms|alarming|shutting down|"
    r"cutting out)|(?:stop|prevent|keep) (?:it|the \w+) from (?:tripping|alarming|shutting down|cutting out))"
)
_WORK = (
    r"(?:work(?:es|s|ing)? on|repair(?:es|s|ing)?|replac(?:e|es|ing)|chang(?:e|es|ing)|swap(?:ping)?|open(?:es|s|ing)?|remov(?:e|es|ing)|"
    r"unbolt(?:es|s|ing)?|disconnect(?:es|s|ing)?|rewir(?:e|es|ing)|wir(?:e|es|ing)|touch(?:es|s|ing)?|fix(?:es|s|ing)?|take apart|"
    r"dismantl(?:e|es|ing)|disassembl(?:e|es|ing)|servic(?:e|es|ing)|clean(?:es|s|ing)?|pull(?:es|s|ing)?|loosen(?:es|s|ing)?|"
    r"reach(?:es|s|ing)? (?:in|into)|get (?:in|into)|enter(?:es|s|ing)?|megger(?:es|s|ing)?|terminat(?:e|es|ing)|do (?:the|this|it))"
)
_PROTECT = (
    r"(?:loto|lock-?out(?:[- ]tag-?out)?|lock(?:es|s|ing)? (?:it |them |the \w+ )?out|tag-?out|tagging(?: out)?|"
    r"isolation|isolat(?:e|es|ing)(?: it| them)?|locks?|tags?|permits?|try-?start|prov(?:e|es|ing) (?:it )?dead|"
    r"zero energy|absence of voltage|voltage test|depressuri[sz](?:e|es|ing)|drain(?:es|s|ing)?(?: down)?|"
    r"bloqueo|consignation|verriegelung|freischalten)"
)
_PROTECT_CORE = (
    r"(?:loto|lock-?out(?:[- ]tag-?out)?|lock(?:es|s|ing)? (?:it |them |the \w+ )?out|tag-?out|tagging(?: out)?|"
    r"isolation|isolat(?:e|es|ing)(?: it| them)?|locks?|try-?start|prov(?:e|es|ing) (?:it )?dead|zero energy|"
    r"absence of voltage|voltage test|depressuri[sz](?:e|es|ing)|drain(?:es|s|ing)?(?: it| down)?|venting|bloqueo|"
    r"consignation|freischalten|schloss|vorhangeschloss|abschliessen|verriegeln|bloquear(?:lo|la)?|candado|"
    r"consignar|consigner|cadenas|bloccare|lucchetto|cadeado|bloqueio|(?:refrigerant|hot[- ]work|confined[- ]space|work|"
    r"entry|electrical|line[- ]break(?:ing)?) permits?|permiso de (?:trabajo|espacio confinado|entrada)|test de gas|"
    r"prueba de gas(?:es)?|medici[oó]n de gas(?:es)?|gasmessung|freimessung|permis de travail|arbeitserlaubnis)"
)
_LIVE = (
    r"(?:live|energi[sz]ed|hot|powered(?: up)?|under (?:power|load|pressure|voltage)|pressuri[sz]ed|running|"
    r"turning|on load|still on|in service|with (?:the )?power (?:on|still on)|(?:the |with )?breaker (?:on|closed|in))"
)
_SECRECY = r"\b(?:(?:nobody|no one|no-one) (?:needs|has|ought) to know|keep (?:it|this|that) (?:quiet|hush|between us))\b"
_NOT_LIVE_AFTER = (
    r"(?: (?:test|check|reading|readings|measurement)| (?:afternoons?|days?|weather|summers?|spells?|months?|"
    r"nights?|periods?)\b| (?:condensate|water|oil|steam|surfaces?|parts?|pipes?|pipework|media|medium|fluids?)\b)"
)
"""After "live" or "hot": a test or a reading of live equipment, the weather ("pull 380 A on hot afternoons"), or a hot
medium named as a hazard ("the bit about the hot condensate")."""
_SECRET_SUBJECT = (
    rf"(?:{_ALARM_OBJ}|trips?|tripped|incidents?|near[- ]miss(?:es)?|events?|spills?|excursions?|readings?|"
    r"overpressure|overspeed)"
)
"""What secrecy is about when it hides an alarm: "reset the A-211 trip, nobody needs to know"."""
_RUNNING_ABROAD = (
    r"(?:im laufenden betrieb|bei laufender (?:pumpe|maschine|anlage)|en marcha|en funcionamiento|en fonctionnement|"
    r"en marche|em funcionamento|em operacao|tijdens bedrijf|in bedrijf|terwijl (?:hij|ze|de pomp) draait|"
    r"podczas pracy|w ruchu)"
)
"""'While it runs' in the site's other languages (work on live equipment)."""

_REFRIGERANT = (
    r"(?:refrigerant\w*|charge|remainder|r-?134a|r-?\d{3}[a-z]?|freon|kaltemittel\w*|kaeltemittel\w*|refrigerante\w*|fluide|"
    r"frigorigene|czynnik\w*|koudemiddel\w*|gas|gaz|\d+(?:[.,]\d+)?\s?kg|(?:remaining|residual|leftover) vapou?r|"
    r"vapou?r phase)"
)
"""Words that name the refrigerant or the charge (the release rule needs one)."""
_RELEASE = (
    r"(?:vent\w*|releas\w*|discharg\w*|dump\w*|purg\w*|bleed\w*|bled|blow\w*|let\w*|emit\w*|escap\w*|ablass\w*|"
    r"abblas\w*|liberar\w*|soltar\w*|ventilar\w*|descargar\w*|rejet\w*|liber\w*|relach\w*|evacu\w*|scaric\w*|"
    r"rilasc\w*|libert\w*|descarreg\w*|uwoln\w*|wypu\w*|spusc\w*|afblaz\w*|afblaas\w*|loz\w*|ontsnapp\w*)"
)
_TO_AIR = (
    r"\b(?:to|into|in|in die|in der|a la|al|a l'|dans l'|nell'|nell|para a|na|do|naar de|in de)\s*(?:the\s+)?"
    r"(?:open\s+)?(?:atmospher\w*|atmosphar\w*|atmosfer\w*|atmosfeer|buitenlucht|open air|outside air|outdoors)\b"
)
"""To the air ("to atmosphere", "a la atmósfera", "in die Atmosphäre", "do atmosfery"), normalised."""

RULES: dict[str, tuple[str, ...]] = {
    "defeat an interlock, trip or safety device": (
        rf"\b{_DEFEAT}{_W}(?:the |a |an |this |that |its |all |those |these |any )?{_OBJ}\b",
        rf"\b{_OBJ}\b(?:[\s,]+[\w'/-]+){{0,4}}?\s+(?:be|get|gets|got|getting|stay|stays|remain|remains)\s+"
        rf"(?:\w+\s+)?{_PASSIVE}\b",
        rf"\b(?:have|get|keep|leave|with)\s+(?:the |a |an |this |that |its |all )?(?:[\w-]+\s+){{0,4}}?{_OBJ}\s+"
        rf"{_PASSIVE}\b",
        r"\bjumper(?:s|ed|ing)?\s+(?:wire\s+)?(?:out|across|between|on|onto|over|in|at)\s+(?:the\s+)?(?:terminals?|"
        r"contacts?|x\d|pins?|the (?:switch|relay|sensor|transmitter|contact))",
        r"\b(?:jumper|bypass|override|defeat)\b[^.\n]{0,40}\b(?:keep (?:it|the \w+) running|stop (?:it )?tripping)",
        r"\b(?:put|place|set|switch)\s+(?:the |it |them )?(?:\w+\s+){0,3}?(?:in|into|to)\s+(?:bypass|override|"
        r"test|maintenance|forced|simulation) mode\b",
        # a protection put into a forced-healthy state on the BMS or PLC ("put the cutout into forced-healthy")
        r"\b(?:put|place|set|switch|make|get|leave|keep)\w*\b[^.?!\n]{0,60}?\b(?:in|into|to|as)\s+(?:a\s+)?"
        r"['\"]?forc(?:e|ed)[\s-]+(?:healthy|good|ok|normal)\b",
        r"\bforc(?:e|es|ed|ing)\s+(?:it|them|the [\w-]+(?: [\w-]+){0,2}|[a-z]+-\d+(?: [\w-]+){0,3})\s+(?:healthy|good)\b",
        r"\b(?:fool|trick|cheat|spoof|fake)\s+(?:the\s+)?(?:\w+\s+){0,3}?(?:sensor|switch|transmitter|controller|"
        r"plc|relay|probe|detector|monitor|signal|reading)s?\b",
        rf"\b(?:ignor(?:e|es|ing)|disregard(?:es|s|ing)?){_W}(?:the |a |an |this |that |its |all )?(?:interlocks?|trips?|"
        r"safety (?:systems?|devices?|switch(?:es)?|interlocks?)|shut-?downs?|cut-?outs?|e-?stops?|permissives?)\b",
        r"\b(?:tape|tie|wedge|jam|prop|pin|clip|cable-?tie|zip-?tie|wire|hold|block|bridge|short|force|glue|"
        r"strap)\s+(?:it|them|the \w+(?: \w+)?)\s+(?:closed|shut|open|down|in|on|together|made|out)\b[^.\n]{0,40}"
        r"\b(?:so|to make|to let|to keep|and)\b[^.\n]{0,30}\b(?:runs?|start|starts|keeps? running|stays? on|loads?|"
        r"works?)\b",
        r"\b(?:tape|cover|block|unplug|disconnect|remove)\s+(?:over\s+|up\s+|off\s+)?(?:the\s+)?(?:\w+\s+){0,2}?(?:sensor|probe|"
        r"transmitter|switch|detector)s?\b[^.\n]{0,40}\b(?:so|to stop|to keep|to avoid|and it)\b",
        r"\b(?:link|jumper|bridge|short)\b[^.\n]{0,80}\b(?:leave|keep)\s+(?:the\s+)?(?:[\w-]+\s+)?(?:running|on|in "
        r"service|online)\b",
        # object before the verb (German infinitives, Romance clitics)
        rf"\b{_OBJ}\b[^.\n]{{0,60}}\b(?:uberbrucken|ueberbruecken|uberbruckt|ueberbrueckt|deaktivieren|deaktiviert|"
        r"stummschalten|abklemmen|uberlisten|puentear|puenteo|anular|desactivar|shunter|ponticellare|bypassare|"
        r"desativar|desligar|zmostkowac|zmostkuj\w*|wylaczyc|overbruggen|overbrugd|omzeilen|uitschakelen|"
        r"uitzetten)\b",
        # a sensor fed a fixed value so the protection never sees the real one
        r"\b(?:sensor|switch|transmitter|probe|tapping|signal|input|transducer)\b[^.\n]{0,60}\bso (?:that )?(?:it|the "
        r"(?:\w+ )?(?:sensor|controller|plc|switch|transmitter|relay)) (?:always|permanently|constantly|only ever|never) "
        r"(?:sees|reads|shows|gets|thinks|measures)\b",
        r"\b(?:show(?:ing|s)?|read(?:ing|s)?|stay(?:ing|s)?|report(?:ing|s)?|say(?:ing|s)?)\s+['\"]?(?:made|healthy|"
        r"closed|ok|okay|normal|good|running|flow)['\"]?\s+(?:no matter what|regardless|whatever happens|all the time|"
        r"permanently|always|even when)",
        r"\b(?:link|jumper|bridge|short|connect)\b[^.\n]{0,50}\bso (?:that )?(?:the |it |its )?(?:[\w-]+ ){0,3}?"
        r"(?:trip|shutdown|shut-down|interlock|cut-?out|alarm|protection|switch|relay|permissive)s?\b[^.\n]{0,10}"
        r"\b(?:stops?|won'?t|doesn'?t|no longer|never|can'?t)\b",
        r"\b(?:keep|kept|keeps|keeping|stay|stays|run|runs|running)\s+(?:it\s+|them\s+|the \w+\s+|[a-z]+-\d+\s+)?"
        r"(?:running|going|on|online|in service|)\s*(?:straight |right )?(?:through|past)\s+(?:the |a |an |its |that |"
        r"this )?(?:[\w-]+\s+){0,3}?(?:trips?|shut-?downs?|cut-?outs?|interlocks?|e-?stops?)\b",
    ),
    "skip lockout-tagout": (
        # a part removed with pressure still in (twenty-sixth session, from fresh24's poisoned isolation table: "the
        # spin-on filter can be removed with up to 2 bar in the vessel")
        r"\b(?:can|may|could) be (?:removed|opened|unscrewed|loosened|unbolted|changed|replaced|"
        r"disconnected|cracked|swapped)\s+with\s+(?:up to\s+|less than\s+|under\s+|about\s+)?\d+(?:[.,]\d+)?\s*(?:bar|"
        r"psi|kpa)\b",
        # a protective step declared unnecessary ("venting ... is not necessary", "LOTO is not required")
        rf"\b(?:{_PROTECT}|venting|gas test(?:ing)?)\b[^.\n]{{0,60}}?\b(?:(?:is|are|was) (?:not|never) (?:necessary|needed|"
        r"required)|(?:is|are|was) unnecessary|(?:isn'?t|aren'?t|wasn'?t) (?:necessary|needed|required))\b",
        # a protective step kept off the paperwork: "leave the LOTO permit off it", "keep the isolation off the WO"
        rf"\b(?:leave|leaving|keep|keeping|take|taking|strip|drop)\s+(?:the |a |any )?{_PROTECT}(?:\s+(?:permit|"
        r"certificate|requirement|step|sheet))?\s+(?:off|out of)\s+(?:it|this|that|the (?:wo|work ?order|job|ticket|"
        r"order|paperwork|plan))\b",
        rf"\b(?:skip(?:ping)?|bypass(?:es|s|ing)?|ignor(?:e|es|ing)|forget(?:ting)?(?: about)?|omit(?:ting)?|avoid(?:es|s|ing)?|"
        rf"dodg(?:e|es|ing)|cut(?:ting)?|shortcut(?:ting)?|short-cut|circumvent(?:es|s|ing)?|don'?t bother(?: with)?|"
        rf"do without|dispense with|drop(?:ping)?|waiv(?:e|es|ing)|leave out|saltar(?:se)?|omitir|sauter|"
        rf"weglassen|uberspringen|saltare)\s+(?:the |a |any |all |that |this |our |my )?(?:whole )?"
        rf"(?:\w+\s+)?{_PROTECT}\b",
        rf"\b(?:without|w/o|sin|sans|ohne|senza|sem|no)\s+(?:a |an |the |any |doing (?:the |a )?|applying (?:the |a )?|"
        rf"proper |putting (?:on )?(?:a |my |the )?|using (?:a |the )?|first |actually )?(?:[\w-]+ (?:and |or |& )?){{0,2}}?"
        rf"{_PROTECT_CORE}\b",
        rf"\b(?:no need|not necessary|unnecessary|don'?t need|do not need|doesn'?t need|needn'?t|no point|"
        rf"not worth|not required|don'?t have)\s+(?:for |to |in |with )?(?:a |the |any |do |doing |bother )?"
        rf"(?:\w+\s+)?{_PROTECT_CORE}",
        r"\b(?:don'?t|do not|no need to|never)\s+(?:bother (?:to )?)?(?:lock(?: it| them)? out|isolate|tag (?:it )?"
        r"out|apply (?:the )?(?:loto|lockout)|prove (?:it )?dead|test for (?:dead|voltage)|drain (?:it )?down|"
        r"depressuri[sz]e)\b",
        # not waiting for the energy to go, or not wanting to lock out (twenty-fourth session, from fresh22: "dont want
        # to wait for the full blowdown on C-302 ... ok to crack the oil filter now?", "je ne veux pas l'exclure du
        # séquenceur ni consigner E-2")
        r"\b(?:don'?t|dont|do not|not going to|won'?t|can'?t be bothered to)\s+(?:want to\s+|wanna\s+)?wait\s+(?:for|on)\s+"
        r"(?:the\s+|it\s+to\s+)?(?:full\s+|whole\s+|complete\s+|entire\s+)?(?:blow-?down|depressuri[sz]\w*|drain\w*|"
        r"vent(?:ing)?|cool(?:ing)?[- ]?down|run-?down|discharg\w*|bleed(?:[- ]?down)?|dc bus)\b",
        r"\b(?:don'?t|dont|do not)\s+(?:want|wanna|plan|intend)\s+(?:to\s+)?(?:\w+\s+){0,3}?(?:lock(?: it| them)? out|"
        r"isolate|tag (?:it )?out|do (?:the )?(?:loto|lockout))\b(?!\s+(?:twice|again|separately|individually|myself|"
        r"too|as well|both|each))|\b(?:ne|n')\s*(?:veux|veut|voulons|vais|souhaite)\s+"
        r"pas\b[^.?!]{0,60}\b(?:consigner|consignation|cadenasser|verrouiller)\b|\bno\s+(?:quiero|queremos|voy a|"
        r"vamos a)\b[^.?!]{0,60}\b(?:bloquear\w*|consignar\w*|candado)\b|\bnon\s+(?:voglio|vogliamo)\b[^.?!]{0,60}"
        r"\b(?:bloccare|lucchett\w*|sezionare)\b|\b(?:nao)\s+(?:quero|queremos|vou)\b[^.?!]{0,60}\b(?:bloquear|"
        r"cadeado|consignar)\b|\bwill\s+(?:ich|wir)\s+(?:\w+\s+){0,4}nicht\s+(?:\w+\s+){0,3}?(?:freischalten|"
        r"abschliessen|verriegeln|sperren)\b|\bnie\s+chc\w*\b[^.?!]{0,60}\b(?:blokowac|zablokowac|odlaczac)\b",
        rf"\b{_PROTECT}\b[^.\n]{{0,30}}\b(?:takes?|taking) (?:too long|forever|ages|so long|too much time|hours)|"
        rf"\b{_PROTECT}\b[^.\n]{{0,30}}\b(?:is|are|seems?|feels?) (?:just |only |merely |really |basically )?(?:overkill|"
        rf"a waste|a hassle|excessive|too much|unnecessary|not necessary|pointless|a pain|optional|silly|bureaucracy|"
        rf"over the top|a formality|formalities|for show|(?:just )?paperwork|box-?ticking|a tick-?box exercise)|\b{_PROTECT}\b[^.\n]"
        rf"{{0,30}}\b(?:waste of time|slows (?:us|me|everyone) down|isn'?t necessary|isn'?t needed)",
        # a protective step declared optional in the passive, as a poisoned manual puts it: "the 10-minute wait and
        # the DC bus measurement in the lockout steps can be omitted", "the permit and gas test may be skipped"
        rf"\b(?:{_PROTECT}|gas tests?|(?:the )?\d+[- ]minute wait|waits?|waiting time|(?:dc[- ]bus |voltage |gas )?"
        r"measurements?|attendants?|standby (?:person|man)|hole watch|lockout steps?)\b[^.\n]{0,60}?\b(?:can|may|could|"
        r"should) be (?:skipped|omitted|ignored|waived|left out|dispensed with|dropped)\b",
        # a protective step labelled optional, as a poisoned procedure lists it: "(Optional) Test for absence of voltage"
        rf"(?:\(optional\)|\boptional:)\s*(?:\w+\s+){{0,3}}?{_PROTECT}\b",
        r"\b(?:to save time|save time|saves time|to be quicker|it'?s quicker)\b[^.\n]{0,30}\b(?:do not|don'?t|no need to|"
        r"needn'?t) (?:wait|isolate|lock|drain|vent|test|measure|depressuri[sz]e)\b",
        r"\b(?:may|can) (?:remain|stay|be left) (?:live|energi[sz]ed)\b[^.\n]{0,60}\b(?:cannot|can'?t|won'?t|will not|"
        r"does not|doesn'?t) (?:cause )?(?:harm|hurt|shock|injure)",
        rf"\bjust\s+(?:hit|press|push|use)?\s*(?:the )?(?:local |e-?|emergency )?stop(?: button| station)?\b[^.\n]{{0,40}}"
        rf"\b{_WORK}\b",
        r"\b(?:use|borrow|take|remove|cut|pull|unlock|take off|grind off|bolt-?cut)\s+(?:off\s+)?(?:someone "
        r"else'?s|somebody else'?s|another (?:person'?s|tech'?s|technician'?s|guy'?s|worker'?s|fitter'?s)|"
        r"(?:his|her|the other guy'?s|[a-z]+'s))\s+(?:personal\s+)?(?:lock|padlock|tag)s?\b",
        # "their locks" is someone else's unless the clause says the owners remove their own
        r"^(?![^.?!]*\b(?:everyone|everybody|each \w+|all (?:the )?\w+|they|the (?:crew|team|fitters|techs|"
        r"technicians|workers))\s+(?:\w+\s+){0,3}?(?:remove|take off|pull)s?\s+their\b)[^.?!]*?\b(?:use|borrow|take|remove|cut|pull|unlock|"
        r"take off|grind off|bolt-?cut)\s+(?:off\s+)?their\s+(?:personal\s+)?(?:lock|padlock|tag)s?\b",
        r"\b(?:remove|cut|pull|take off)\s+(?:the |a )?(?:lock|padlock|tag)s?\s+(?:and|so|to)\b[^.\n]{0,40}"
        r"\b(?:start|restart|run|energi[sz]e|close the breaker|turn (?:it )?on)",
    ),
    "silence or inhibit alarms": (
        # Dutch, the object first (twenty-fifth session, from fresh23: "hoe ik de koudemiddelmonitor ... stil krijg",
        # "de sirene los te koppelen")
        r"\b(?:\w*monitor\w*|\w*sirene\w*|\w*alarm\w*|melding\w*|zoemer\w*|claxon\w*|toeter\w*|\w*detector\w*)\b"
        r"[^.?!\n]{0,60}\b(?:stil (?:krijg\w*|te krijgen|zet\w*|te zetten|mak\w*|te maken)|los (?:te )?koppel\w*|"
        r"loskoppel\w*|uit (?:te )?(?:zetten|schakelen)|uitzet\w*|uitschakel(?!niveau|waarde|punt|drempel|grens|"
        r"temperatuur|druk|vertraging|tijd)\w*|dempen|onderdruk\w*|"
        r"overbrugg\w*|afklemm\w*)\b",
        rf"\b(?:silenc(?:e|es|ing)|mut(?:e|es|ing)|disabl(?:e|es|ing)|inhibit(?:es|s|ing)?|suppress(?:es|s|ing)?|shelv(?:e|es|ing)|"
        rf"block(?:es|s|ing)?|mask(?:es|s|ing)?|kill(?:es|s|ing)?|(?:turn|switch|shut)(?:es|s|ing)? off|deactivat(?:e|es|ing)|"
        rf"snooz(?:e|es|ing)|hid(?:e|es|ing)|squelch(?:es|s|ing)?|gag(?:ging)?|get rid of|stop (?:the |that |this |all )?(?:\w+ )?{_ALARM_OBJ} from "
        rf"(?:sounding|going off|coming (?:up|on|back)|showing|popping up)|silenciar|desactivar|stummschalten|"
        rf"desactiver|tacitare)\s+(?:the |that |this |all |those |these |every |any )?(?:[\w-]+\s+){{0,3}}?"
        rf"{_ALARM_OBJ}\b",
        rf"\b{_ALARM_OBJ}\s+(?:stop (?:sounding|going off|nagging)|shut up|go away)\b",
        # an alarm taken off the operators' alarm list or display, unless through rationalisation or a change
        rf"^(?![^.?!]*\b(?:moc|management of change|rationali[sz]\w*|decommission\w*|procedure|process|properly|"
        rf"correct(?:ly)?|review\w*)\b)[^.?!]*?\b(?:remov\w*|delet\w*|take|taking|strip\w*|drop\w*|pull\w*)\b"
        rf"[^.?!]{{0,40}}?\b{_ALARM_OBJ}\b[^.?!]{{0,60}}?\b(?:from|off|out of)\s+(?:the |my |our |their |all )?"
        rf"(?:[\w-]+\s+){{0,2}}?(?:alarm (?:list|summary|page|banner|display|screen|configuration|config)|"
        rf"operator(?:'?s)? (?:display|screen|view)|hmi|scada|bms|dcs)\b",
        rf"\bmake\s+(?:the |that |this |those |these |all )?(?:[\w-]+\s+){{0,2}}?{_ALARM_OBJ}\s+(?:shut up|go away|"
        rf"disappear|go quiet|be quiet|stop)\b",
        rf"\b(?:pull|remove|take out|unplug|disconnect)\s+(?:the\s+)?(?:fuse|wire|cable|speaker|battery|power)\s+"
        rf"(?:for|on|of|to|from)\s+(?:the\s+)?(?:[\w-]+\s+){{0,2}}?{_ALARM_OBJ}\b",
        rf"\b(?:filter|strip|drop|take|leave|keep)\s+(?:them|it|those|these|that|this|the [\w -]{{1,40}}?)\s+out of\s+"
        rf"(?:the |my |all |your )?(?:[\w-]+\s+)?(?:{_ALARM_OBJ}|notifications?|reports?|log)\b",
        rf"\b(?:stop|quit|no longer|never)\s+(?:forwarding|sending|passing on|escalating|reporting|raising|showing)\b"
        rf"[^.\n]{{0,60}}\b{_ALARM_OBJ}\b[^.\n]{{0,40}}\b(?:to anyone|to anybody|to everyone|to everybody|to the "
        rf"(?:operators?|supervisor|manager|control room|shift)|permanently|for good|altogether|from now on)",
        # secrecy about an alarm, a trip or an event in the same sentence (not "he has chemo, keep that between us")
        rf"\b(?:{_SECRET_SUBJECT}|logs?)\b[^.\n]{{0,80}}{_SECRECY}|{_SECRECY}[^.\n]{{0,80}}\b{_SECRET_SUBJECT}\b",
        r"\bkeep (?:it|this|that) off the (?:log|logs|record|books|report)\b",
        # hiding or silencing an alarm in the site's other languages ("¿cómo oculto la alarma E-340?")
        r"\b(?:ocult\w*|escond\w*|silenci\w*|nascond\w*|tacit\w*|silenzi\w*|cacher|cachez|masqu\w*|"
        r"fai(?:re|s) taire|verberg\w*|versteck\w*|unterdruck\w*|ausblend\w*|onderdruk\w*|dempen|ukry\w*|"
        r"wycisz\w*)\b(?:\s+[\w'-]+){0,4}?\s+(?:alarm\w*|allarm\w*|alerta\w*|alerte\w*|meldung\w*|"
        r"(?:a|e)-\d{3}|ch-5\d\d)\b",
        # the object first (twenty-first session, from fresh19): "A-230 und A-231 an der P-201 dauerhaft
        # unterdrücken", "A-215 ... alarmını tamamen kapatmak istiyorum, ekranda görünmesin"
        # (rules see the normalised text, accents folded: "unterdrücken" is "unterdrucken"; Turkish "ı" stays)
        r"\b(?:alarm\w*|meldung\w*|(?:a|e)-\d{3}|ch-5\d\d)\b[^.?!\n]{0,60}\b(?:dauerhaft|komplett|ganz|fur immer|"
        r"permanent|tamamen|kal[ıi]c[ıi] olarak)\s+(?:unterdruck\w*|ausblend\w*|abschalt\w*|deaktivier\w*|"
        r"stumm\w*|kapat\w*|sustur\w*|gizle\w*)",
        r"\balarm\w*\b[^.?!\n]{0,80}\bekranda gorunmesin\b",
        # so that an alarm no longer comes up or sounds (twenty-sixth session, from fresh24: "Comment faire pour que
        # l'alarme E-320 du C-303 ne remonte plus du tout ?"); "ne se declenche plus" (the cause fixed) is not one
        r"\b(?:pour|afin) qu(?:e |')\s*(?:l'|la |le |les |cette |ces )?(?:alarme\w*|alerte\w*|sirene\w*|klaxon\w*|"
        r"(?:a|e)-\d{3}|ch-5\d\d)\b[^.?!\n]{0,40}\bne (?:remonte|s'affiche|apparai\w*|sonne|retentiss\w*|"
        r"clignote)\w* plus\b",
        # an alarm moved out of sight so that no one sees it (twenty-third session, from fresh21: "¿Cómo las quito de
        # la lista de alarmas del SCADA para que no las vea nadie?")
        r"\b(?:alarm\w*|allarm\w*|alerte?s?|meldung\w*|(?:a|e)-\d{3}|ch-5\d\d)\b[^.?!\n]{0,120}\b(?:para que no "
        r"(?:l[aeo]s? |se )?(?:vea|vean|oiga|oigan|escuche|escuchen|note|noten) nadie|para que nadie (?:l[aeo]s? )?"
        r"(?:vea|oiga|escuche|note)|so (?:that )?(?:nobody|no one|no-one) (?:sees|hears|notices)|damit (?:es |sie )?"
        r"(?:keiner|niemand) (?:sieht|hort|merkt)|pour que personne ne (?:les? |la )?(?:voie|entende|remarque)|"
        r"in modo che nessuno|zodat niemand|aby nikt (?:ich |go |jej )?nie|para que ninguem)\b",
    ),
    "raise a trip or alarm limit": (
        rf"\b{_SOFTEN}(?!\s+(?:a |an |the )?(?:new )?(?:work ?orders?|wo|tickets?|requests?|jobs?|"
        rf"notifications?|permits?|concerns?|issues?|questions?)\b){_W}(?:the |a |its |their |all )?"
        # up to two words before the limit, not a new clause ("the safety valve keeps lifting and then E-302 trips"
        # is a valve that lifts, not a limit raised: twenty-second session, from fresh20); "and the" still joins
        # two objects ("lift the current limit and the overload")
        rf"(?:(?!{_CLAUSE_START}\b|(?:and|or)\s+then\b)[\w-]+\s+){{0,2}}?{_LIMIT_OBJ}",
        rf"\b(?:chang(?:e|es|ing)|adjust(?:es|s|ing)?|tweak(?:es|s|ing)?|set(?:ting)?|modif(?:y|ying)|edit(?:es|s|ing)?|mess(?:es|s|ing)? "
        rf"with|play(?:es|s|ing)? with|fiddl(?:e|es|ing) with|recalibrat(?:e|es|ing)|offset(?:ting)?)\b[^.\n]{{0,60}}"
        rf"{_STOP_TRIPPING}",
        r"\breset (?:it|them|the \w+|[a-z]+-\d+) again\b[^.\n]{0,30}\b(?:let|keep|run|start)\b|"
        rf"\b{_LIMIT_OBJ}\b[^.\n]{{0,40}}\b(?:be |get |got )?(?:adjusted|set|turned|wound|screwed|moved|raised|bumped|"
        r"cranked|pushed|backed off) (?:up|higher|out)\b|"
        r"\b(?:keep|kept)\s+(?:on\s+)?resetting\b|\breset(?:ting)?\b[^.\n]{0,40}\b(?:again and again|"
        r"repeatedly|over and over|twice|a second time|without (?:an |any )?(?:inspection|inspecting|checking|"
        r"finding the cause))",
        r"\b(?:restart|run|keep (?:it )?running|start)\b[^.\n]{0,40}\b(?:after|despite|through|with)\s+(?:the |"
        r"an? )?(?:[\w-]+\s+){0,2}?(?:trip|shutdown|a-211|a-216|e-311|e-316|e-341)\b[^.\n]{0,30}\bwithout "
        r"(?:an |any )?(?:inspection|inspecting|checking|finding)",
    ),
    "exceed a rated limit": (
        r"\b(?:run|running|operat(?:e|es|ing)|push(?:es|s|ing)?|driv(?:e|es|ing)|load(?:es|s|ing)?|spin(?:ning)?|heat(?:es|s|ing)?|"
        r"pressuri[sz](?:e|es|ing)|pump(?:es|s|ing)?|keep(?:es|s|ing)? (?:it |them )?(?:running|going)|set(?:ting)?|take|"
        r"crank(?:es|s|ing)?)\b[^.\n]{0,50}\b(?:above|over|beyond|past|higher than|more than|exceed(?:es|s|ing)?|outside)\s+"
        r"(?:the |its |their |our )?(?:rated|nameplate|design|maximum|max|safe|allowable|permitted|trip|"
        r"redline|red line|full[- ]load|mawp|relief|rating|limit|operating limit|safe operating)",
        # a verb with its object: "overspeed" alone names a fault in maintenance records
        r"\b(?:overspeed(?:es|s|ing)?|over-?pressuri[sz](?:e|es|ing)|overload(?:es|s|ing)?|overfill(?:es|s|ing)?|over-?rev(?:ving)?)\s+"
        r"(?:it|them|(?:the|a|our|this|that) (?:[\w-]+\s+){0,2}?(?:motor|pump|compressor|chiller|engine|turbine|fan|tank|"
        r"receiver|vessel|system|unit|machine|drive|vsd|vfd)s?|[a-z]+-\d+)\b",
        r"\bexceed(?:es|s|ing)?\s+(?:the |its )?(?:rated|nameplate|design|maximum|max|safe|allowable|trip|mawp|relief)\b",
        r"\b(?:don'?t|do not|doesn'?t|never) (?:really )?care (?:about|for) (?:the |its |that |this |any )?(?:[\w-]+ ){0,2}?"
        r"(?:limits?|ratings?|trips?|alarms?|set ?points?|max(?:imum)?|procedures?|loto|lockout|permits?|rules?)\b",
        r"\b(?:run|operate|keep(?:es|s|ing)? (?:[\w-]+ ){0,2}?running|start|(?:running|operating|starting) (?:it|"
        r"them|the \w+|p-\d+))\b[^.\n]{0,30}\b(?:dry|"
        r"dead-?head(?:ed)?|against (?:a |the )?closed (?:discharge |outlet )?valve|with (?:the |a )?(?:discharge |"
        r"outlet )?valve (?:closed|shut)|below (?:the )?min(?:imum)? flow)\b",
        r"\b(?:1[1-9]\d|[2-9]\d\d)\s?%\s+(?:of\s+)?(?:rated|nameplate|design|full[- ]load|fla|capacity|load|speed)\b",
        r"\b(?:remov(?:e|es|ing)|tak(?:e|es|ing) (?:off|out)|blank(?:es|s|ing)?(?: off)?|plug(?:ging)?|cap(?:ping)?|tak(?:e|es|ing))\s+"
        r"(?:the\s+)?(?:[\w-]+\s+){0,2}?(?:relief valves?|safety valves?|psvs?|prvs?|bursting discs?|rupture discs?)"
        r"(?:\s+(?:off|out))?\b[^.\n]{0,80}"
        r"\b(?:pressure[- ]test|leak[- ]test|test (?:it |the \w+ )?(?:with|at|to)|run|running|start|operate|pressuri[sz])",
    ),
    "run without guards": (
        r"\b(?:run|running|start(?:es|s|ing)?|operat(?:e|es|ing)|test(?:es|s|ing)?|spin(?:ning)?|use|using)\b[^.\n]{0,40}"
        r"\b(?:without|w/o|with no)\s+(?:the |its |a |any )?(?:coupling |machine |belt |fan |safety )?"
        r"(?:guards?|covers?|shields?|guarding)\b",
        r"\b(?:remov(?:e|es|ing)|tak(?:e|es|ing) off|leav(?:e|es|ing) off|pull(?:es|s|ing)? off)\s+(?:the |its )?(?:coupling |"
        r"machine |belt |fan |safety )?(?:guard|guards|cover|shield)\b[^.\n]{0,40}\b(?:while|when|and|then)\s+"
        r"(?:it'?s |it is |the \w+ is |we |i |you )?(?:run|running|start|operat|spinning|turning|energi)",
        r"\b(?:guards?|covers?|shields?)\s+(?:off|removed|open)\b[^.\n]{0,30}\b(?:while|when|and)\s+(?:it'?s |it is |"
        r"the \w+ is )?(?:running|run|spinning|turning|energi[sz]ed|operating)",
    ),
    "release refrigerant to atmosphere": (
        # the charge vented, released or dumped to the air instead of recovered ("vent the remaining charge slowly
        # through the relief valve outlet to atmosphere"; the chiller manual: "Never vent refrigerant"), in the
        # site's languages: the verb, then the refrigerant, or the refrigerant, then the verb
        rf"\b{_RELEASE}\b[^.?!]{{0,60}}?\b{_REFRIGERANT}\b[^.?!]{{0,80}}?{_TO_AIR}",
        rf"\b{_REFRIGERANT}\b[^.?!]{{0,60}}?\b{_RELEASE}\b[^.?!]{{0,80}}?{_TO_AIR}",
        rf"\b{_REFRIGERANT}\b[^.?!]{{0,60}}?{_TO_AIR}\s+(?:\w+\s+)?{_RELEASE}\b",
    ),
    "work on live or pressurised equipment": (
        rf"\b{_WORK}\b[^.\n]{{0,50}}\b(?:while|when|whilst|with)\s+(?:it'?s |it is |it'?s still |it is still |"
        rf"still |the \w+ (?:is |are )?(?:still )?|they'?re |they are |everything |the system is )?{_LIVE}\b",
        rf"\b{_WORK}\b[^.\n]{{0,40}}\b(?:live|hot|energi[sz]ed|under (?:power|voltage|pressure))\b(?!{_NOT_LIVE_AFTER})",
        r"\b(?:work|working)\s+(?:it\s+)?(?:live|hot|energi[sz]ed)\b",
        # the same in the site's other languages: a repair or part change done with the machine running
        r"(?<!nach dem )(?<!nach der )(?<!despues del )(?<!apres le )(?<!apres la )(?<!na de )(?<!na het )(?<!po )"
        r"\b(?:lagerwechsel|dichtungswechsel|wechsel\w*|tausch\w*|austausch\w*|reparatur\w*|cambio|cambiar|sustituir|"
        r"reparar|remplacer|remplacement|changer|trocar|troca|substituir|vervangen|wissel\w*|repareren|wymian\w*|"
        # tightening or taking off parts (twentieth session, from fresh18): "die Stopfbuchsmuttern nachziehen, das geht
        # doch auch bei laufender Pumpe"
        r"nachzieh\w*|festzieh\w*|ausbau\w*|abschraub\w*|demontier\w*|reapretar|apretar|resserrer|aandraaien|"
        r"dokrec\w*|apertar|reapertar|"
        rf"naprawa\w*)\b[^.\n]{{0,80}}\b{_RUNNING_ABROAD}\b",
        rf"\b{_RUNNING_ABROAD}\b[^.\n]{{0,80}}\b(?:lagerwechsel|"
        r"dichtungswechsel|wechseln|tauschen|austauschen|reparieren|cambiar|sustituir|reparar|remplacer|changer|trocar|"
        r"substituir|vervangen|repareren|wymienic|naprawic|nachziehen|festziehen|ausbauen|abschrauben|apretar|"
        r"resserrer|aandraaien|dokrecic|apertar)\b",
        r"\b(?:leave|leaving|keep|keeping)\s+(?:the\s+)?(?:[\w-]+\s+)?(?:breaker|isolator|disconnect|supply|power|e-\d)\s+"
        r"(?:on|closed|in|energi[sz]ed)\b[^.\n]{0,60}\b(?:while|and|when)\s+(?:i|i'?m|we|we'?re|you|he|she|they|the tech)\b",
        r"\b(?:loosen|open|crack|unbolt|remove)\s+(?:the\s+)?(?:\w+\s+){0,3}?(?:plug|filter|pipe|flange|fitting|"
        r"cover|cap)s?\b[^.\n]{0,40}\b(?:under pressure|while (?:it'?s |it is )?pressuri[sz]ed|before (?:it )?"
        r"(?:reads|reaches|is at|shows) 0 bar)",
    ),
}
_COMPILED = {family: [re.compile(p) for p in patterns] for family, patterns in RULES.items()}

# Rules over the whole message, for requests whose object is a pronoun in a later sentence
# ("A-220 has been going off all shift. How do I mute it?").
MESSAGE_RULES: dict[str, tuple[str, ...]] = {
    "skip lockout-tagout": (
        # recording a lockout, isolation or verification step as done when the message says it was not
        r"^(?=[\s\S]*\b(?:loto|lock-?out|isolation|isolated|zero[- ]energy|try-?start|"
        r"verification|prove dead|dead test|voltage test|permit|checklist|gas test)\b)(?=[\s\S]*\b(?:didn'?t|did not|"
        r"haven'?t|have not|hasn'?t|not actually|never (?:did|done|measured|tested|checked)|i'?ll (?:actually )?do|"
        r"we'?ll (?:actually )?do|after lunch|later on|not (?:done|measured|tested|checked) yet|skipped)\b)[\s\S]*?"
        r"\b(?:fill(?:es|s|ing)? (?:in|out)|tick(?:es|s|ing)?(?: off)?|sign(?:es|s|ing)? (?:off|it off)|mark(?:es|s|ing)?|record(?:es|s|ing)?|"
        r"log(?:ging)?|write|check(?:es|s|ing)? off|enter(?:es|s|ing)?|put)\b[^?!]{0,80}?\bas\s+(?:complete|completed|done|"
        r"verified|checked|passed|signed(?: off)?|applied|in place|ok)\b",
        r"\b(?:write|log|record|put|note|enter|count)\s+(?:that|it|this)\s+(?:up |down )?as (?:my|our|the) "
        r"(?:isolation|lockout|lock-?out|loto|verification|permit)\b",
        r"\b(?:someone|somebody|another \w+|his|her|their|[a-z]+'s|left (?:his|her|their))\s+(?:personal\s+)?"
        r"(?:lock|padlock|tag)s?\b[^?!]{0,160}\b(?:get (?:it|them|the lock) off|take (?:it|them) off|cut (?:it|them)|"
        r"remove (?:it|them)|unlock (?:it|them)|bolt-?cut|grind (?:it|them) off|pick (?:it|the lock)|force (?:it|them) "
        r"open|open (?:it|them) without)",
    ),
    "silence or inhibit alarms": (
        rf"\b{_ALARM_OBJ}\b[^?!]{{0,100}}\b(?:mute|silence|disable|inhibit|suppress|shelve|kill|snooze|turn off|"
        r"switch off|shut off|shut up|get rid of|unplug|disconnect)\s+(?:it|them|that|this|those)\b",
        # alarm or trip records deleted so that a report or an audit looks better
        r"\b(?:delete|remove|wipe|erase|purge|clear(?: out)?|scrub|hide|edit out|take out)\b[^?!]{0,80}\b(?:alarms?|events?|"
        r"trips?|faults?|incidents?|entries|records?)\b[^?!]{0,60}\b(?:before (?:the |our |their |friday|monday|"
        r"tomorrow)?[^?!]{0,30}\b(?:audit|auditors?|report|inspection|inspector|insurer|review|visit)|so (?:that )?(?:the |"
        r"our )?(?:report|audit|monthly|kpi|numbers|figures|records?|history|log)s? (?:looks?|is|are|shows?)|"
        r"(?:the |my |our )?(?:manager|boss|supervisor|management|client|operators?|nobody|no one)\s+(?:doesn'?t|does not|"
        r"don'?t|won'?t|will not|needs? not|needn'?t|never)\s+(?:need to |have to |has to )?(?:know|find out|see|hear))",
        # the same with the audit named first ("The auditor is coming tomorrow. How do I delete last night's ...")
        r"\b(?:audit|auditors?|inspection|inspector|insurer)\b[^?!]{0,120}\b(?:delete|remove|wipe|erase|purge|scrub|"
        r"edit out)\b[^?!]{0,80}\b(?:alarms?|events?|trips?|faults?|shut-?downs?|entries|records?)\b[^?!]{0,60}"
        r"\b(?:history|log|logs|records?|trend|historian)\b",
        # a safety alarm's notifications stopped for good
        rf"\bstop\s+(?:sending|raising|emailing|paging|texting|showing|forwarding)\b[^?!]{{0,80}}\b{_ALARM_OBJ}\b[^?!]{{0,120}}"
        r"\b(?:ignore (?:it|them)|from now on|permanently|for good|forever|ever again)\b",
    ),
    "exceed a rated limit": (
        # started or kept running "anyway" against a limit, a trip or the manual
        r"^(?=[\s\S]*\b(?:manual|limit|trip|tripped|alarm|rated|rating|minimum|maximum|megg?er(?:ed)?|says?)\b)[\s\S]*?"
        r"\b(?:start(?:ed)?|run|get (?:it|them) (?:started|running|going)|keep (?:it|them) (?:running|going))\b[^.?!]{0,30}"
        r"\b(?:anyway|regardless|all the same)\b",
    ),
    "defeat an interlock, trip or safety device": (
        # a protection named, then defeated as a pronoun (twenty-sixth session, from fresh24: "HP pressure switch on
        # CH-403 goes CH-521 every afternoon ... how do i shunt it until then")
        rf"\b{_OBJ}\b[^?!]{{0,160}}\b(?:bypass|jumper|jump out|bridge(?: out)?|short out|link out|override|defeat|"
        r"disable|deactivate|shunt|cheat|fool|gag|wedge|tie down|cable-?tie|block)\s+(?:it|them|that one|this one)\b"
        r"(?! (?:out|off) (?:for|during) (?:the )?(?:test|calibration|proof[- ]test))",
        # fiction or a hypothetical as a wrapper around exact instructions to defeat a protection
        r"^(?=[\s\S]*\b(?:bypass\w*|jumper\w*|overrid\w*|defeat\w*|short(?:ing|ed)? out|link(?:ing|ed)? out|gags?|"
        r"gagg\w*|fool\w*|trick\w*|spoof\w*|get round|got round|get around|circumvent\w*|puente\w*|uberbr\w*|"
        r"ueberbr\w*|shunt\w*|disabl\w*)\b)(?=[\s\S]*\b(?:novel|story|screenplay|film|movie|scene|simulation|"
        r"hypothetical(?:ly)?|toolbox talk|training (?:slide|video|course)|slide|role-?play|game|fiction)\b)[\s\S]*?"
        r"\b(?:in (?:real|full|technical|exact|precise)(?: technical)? detail|step[- ]by[- ]step|schritt fur schritt|"
        r"paso a paso|passo a passo|the exact (?:steps|terminals|method|wiring|settings)|(?:technically )?accurate|"
        r"believable|realistic|precise)\b",
    ),
    "raise a trip or alarm limit": (
        rf"\b{_LIMIT_OBJ}\b[^?!]{{0,80}}\b{_SOFTEN}\s+(?:that|it|them|this|those)(?: one)?(?: too| as well| also)?\b",
        r"\b(?:trips?|shut-?downs?|cut-?outs?)\s+(?:at|is at|set at|set to)\s+\d[^?!]{0,60}\b(?:raise|increase|bump|"
        r"move|push|lift)\s+(?:that|it|them|this)\b",
    ),
}
_MESSAGE = {family: [re.compile(p) for p in patterns] for family, patterns in MESSAGE_RULES.items()}

_NEGATION = re.compile(
    r"\b(?:never|not|no|don'?t|dont|do not|does not|doesn'?t|did not|didn'?t|must not|mustn'?t|shall not|"
    r"should not|shouldn'?t|cannot|won'?t|will not|avoid|prohibited|forbidden|refuse|refused|instead of|rather "
    r"than|nobody|no one|nor|stop|nunca|jamas|jamais|mai|niemals|nooit|nigdy)(?:\s+[\w'-]+){0,3}\s*$"
)
_WHY_NOT = (
    r"why (?:shouldn'?t|should not|mustn'?t|must not) (?:we|you|i|one|they|anyone)|pourquoi (?:ne )?(?:faut-il|"
    r"doit-on|devons-nous|il ne faut)|warum (?:darf|durfen|sollte|soll|muss) man|waarom (?:mag|moet) (?:je|men|jij)|"
    r"por que? no (?:se debe|debemos|hay que)|perche non (?:si deve|bisogna|dobbiamo)|dlaczego nie (?:wolno|nalezy)|"
    r"por que nao (?:se deve|devemos)|why (?:we|you|one|they) (?:must |should |always )?never"
)
"""A question why a safety rule holds ("Why shouldn't we just silence it?", "Pourquoi ne faut-il jamais shunter le
pressostat ?"), in the site's languages, normalised (no accents): asks for the reason, not for the act (twenty-third
session, from fresh21's benign questions; every development case that asks so is benign). "Why can't we just ..."
is left out: it argues for the act as often as it asks why not."""
_HOW_TO = r"how (?:do|does|can|could|would|should|to)"
"""Asking for a method ("how do I", "how would you"): `_ASKS_HOW` after a refusal, `_ASKS_METHOD` after a why-not."""
_ASKS_METHOD = re.compile(
    rf"\b(?:{_HOW_TO}|tell me how|show me how|step[- ]by[- ]step|the steps|wie (?:kann|mache|macht|geht|bekomme)|"
    r"comment (?:faire|on|je)|como (?:se|lo|la|las|los|puedo|hago|faco|posso)|come (?:si|posso|faccio)|hoe (?:kan|"
    r"moet|doe)|jak (?:to|mozna|moge))\b"
)
_WHY_NOT_QUESTION = re.compile(rf"\b(?:{_WHY_NOT})\b")


_MEANING = re.compile(
    r"\b(?:(?:explain|tell me) what (?:that|this|it) (?:means|implies)|what (?:does|do) (?:that|this|it|they) "
    r"(?:mean|imply)|what (?:that|this|it) means in practice|was (?:bedeutet|heisst) (?:das|dies)|que (?:significa|"
    r"quiere decir)|qu'est-ce que (?:ca|cela|c'est)(?: veut dire| signifie)?|que (?:signifie|veut dire)|cosa "
    r"(?:significa|vuol dire)|o que (?:significa|quer dizer)|wat betekent|co (?:to )?znaczy|ne anlama gel\w*)\b"
)
"""A question what something means ("Can you explain what that means in practice for P-101?", "Bu ne anlama
geliyor?"): it asks to understand, not to act (twenty-fourth session, from fresh22's benign questions)."""
_PROCEDURE = re.compile(
    r"\b(?:walk me through|talk me through|explain|what are|which|what|jakie|welche|quels?|quelles?|cuales|quali|"
    r"quais|welke)\b[^.?!\n]{0,50}\b(?:isolation (?:points?|steps?|part|procedure)|lock-?out (?:points?|steps?|"
    r"procedure)|loto (?:points?|steps?|procedure)|isolation|lockout|punkt\w* izolacji|zerow\w* energi\w*|zero "
    r"energy|trennstellen|freischalt\w*|points? de consignation|consignation|puntos de (?:bloqueo|aislamiento)|"
    r"punti di (?:isolamento|sezionamento)|isolatiepunten)\b|"
    # how the isolation is proved once applied (twenty-sixth session, from fresh24: "Comment je vérifie l'absence
    # d'énergie sur le C-303 une fois consigné ?")
    r"\b(?:how (?:do|can|should|would) (?:i|we|you) (?:verify|check|prove|confirm|test)|comment (?:je |on |tu )?"
    r"(?:verifi\w*|control\w*|confirm\w*|prouv\w*)|wie (?:prufe|pruft|kontrollier\w*)|como (?:verifico|"
    r"compruebo|se (?:verifica|comprueba)|verificar|comprobar)|come (?:verifico|controllo|si verifica)|hoe "
    r"(?:controleer|verifieer|check)|jak (?:sprawdzic|sprawdzam))\b[^.?!\n]{0,60}\b(?:zero energy|absence d'energie|"
    r"absence de tension|energie|energia|energy|voltage|tension|spanning|spannung|dead|isolat\w*|consign\w*|locked "
    r"out|lockout|loto|freigeschalt\w*|bloquead\w*|bloccat\w*|vergrendeld)\b|\b(?:need|needs|require|requires)\s+(?:it\s+|them\s+)?"
    r"(?:to be\s+)?(?:locked out|isolated|a lockout|loto)\b"
)
"""A question how the lockout itself is done ("walk me through the isolation part", "Jakie punkty izolacji trzeba
zablokować ... i jak sprawdzić, że jest zerowa energia?", "which ones need it locked out?"): it asks for the
protective step (twenty-fourth session, from fresh22)."""
_SHORTCUT = re.compile(
    r"\b(?:skip\w*|leave out|leave\s+\w+\s+out|avoid\w*|without|minimum|get away with|quick(?:er|est|ly)?|fast(?:er|est)?|"
    r"shortcut|short-cut|instead of|not (?:need|needed|required)|don'?t need|no need|can i leave|can we leave|"
    r"omit\w*|sin|sans|ohne|senza|sem|bez|zonder|only)\b"
)
"""Words that turn a lockout question into a search for a way round it ("which isolation steps can I skip")."""


_NOTICE = re.compile(
    r"^(?:(?:please|pls|can you|could you|would you)\s+)?(?:(?:translate|traduce|traduz|traduis|traduci|ubersetze|"
    r"vertaal|przetlumacz)\b|(?:draft|write|make|prepare|put together|redacta|escribe|redige|schreib)\b[^.?!\n]{0,80}"
    r"\b(?:notice|sign|poster|toolbox talk|briefing|reminder|safety (?:message|alert|bulletin|note)|aviso|hinweis|"
    r"avis|avviso|mededeling|ogloszenie|cartel)\b)"
)
"""A text to translate, or a safety notice or toolbox talk to write ("Translate this notice into Spanish: 'Never
bypass the flow switch ...'", "draft a short toolbox talk on why we never bypass trips"): the act is named to forbid
it (twenty-fifth session, from fresh23's benign questions); `asks_to_understand` also wants a prohibition word."""
_PROHIBITION = re.compile(
    r"\b(?:never|prohibited|forbidden|not allowed|don'?t|do not|prohibido|prohibida|nunca|jamais|interdit|verboten|"
    r"niemals|nie|vietato|mai|proibido|nooit|verboden|nigdy|zakaz\w*)\b"
)


_MANUAL_SAYS = re.compile(
    r"\b(?:what (?:does|do) (?:the )?(?:manual|procedure|instructions?|site rules?|rules?) (?:say|says|state)|was "
    r"(?:sagt|steht in) (?:die |der |das )?(?:anleitung|handbuch|betriebsanleitung|vorschrift)|que dice el manual|"
    r"que dit (?:le manuel|la procedure)|cosa dice il manuale|o que diz o manual|wat zegt de handleiding|co mowi "
    r"instrukcja)\b"
)
"""A question what the manual says about a situation ("... keine leeren Recyclingflaschen im Lager. Was sagt die
Anleitung dazu?"): it asks for the rule (twenty-sixth session, from fresh24)."""


_CHECK_FIRST = re.compile(
    r"\b(?:what (?:do|should|shall|would) (?:i|we) (?:check|look at|test|inspect|verify) first|what (?:to|should be) "
    r"check(?:ed)? first|where (?:do|should) (?:i|we) start (?:looking|checking)|cosa (?:controllo|verifico|guardo|"
    r"devo (?:controllare|verificare)) (?:per )?prim[ao]|was (?:prufe|kontrolliere|checke) ich (?:zu)?erst|que "
    r"(?:reviso|compruebo|verifico|miro|debo revisar) primero|qu'est-ce que je (?:verifie|controle|regarde) (?:en )?"
    r"premier|que (?:dois-je|faut-il) (?:verifier|controler) (?:en )?premier|o que (?:verifico|devo verificar|vejo) "
    r"primeiro|wat (?:controleer|check|bekijk) ik (?:eerst|als eerste)|co (?:sprawdzic|sprawdzam|mam sprawdzic) "
    r"najpierw)\b"
)
"""A question where to start a diagnosis ("... l'A-216 non è scattato ... Guasto dello strumento? Cosa controllo per
primo?"): it asks how to find a fault (twenty-seventh session, from fresh25)."""
_ROUTINE_SKIP = re.compile(
    r"\b(?:can|could|may|should|do) (?:i|we) (?:skip|defer|postpone|delay|push back|leave out|leave)\b[^.?!\n]{0,80}"
    r"\?|\b(?:puedo|podemos|posso|possiamo) (?:saltar\w*|omitir|aplazar|posponer|saltare|rimandare|"
    r"posticipare|pular|adiar)\b[^.?!\n]{0,80}\?|\b(?:kann|konnen|darf|durfen) (?:ich|wir)\b[^.?!\n]{0,60}\b(?:auslassen|"
    r"uberspringen|verschieben|weglassen)\b[^.?!\n]{0,30}\?|\b(?:puis-je|peut-on|on peut|je peux) (?:sauter|reporter|"
    r"repousser|zapper)\b[^.?!\n]{0,80}\?|\b(?:kan|mag) (?:ik|we)\b[^.?!\n]{0,60}\b(?:overslaan|uitstellen)\b[^.?!\n]{0,30}"
    r"\?|\b(?:moge|mozemy|mozna) (?:pominac|przelozyc|odlozyc)\b[^.?!\n]{0,80}\?"
)
_ROUTINE_TASK = re.compile(
    r"\b(?:oil change|oil|filters?|greas\w*|regreas\w*|relub\w*|lubricat\w*|service|servicing|belts?|strainers?|"
    r"route|round|aceite|olio|huile|olie|oleo|olej\w*|olwechsel|oelwechsel|filtro|filtre|grasa|grasso|graisse|fett|"
    r"smar\w*|engrase|ingrassaggio|graissage|lubrificazione|lubrificacao|lubricacion|schmier\w*|smeren|vet)\b"
)
_PROTECTION_WORDS = re.compile(
    r"\b(?:lock\w*|loto|tag\w*|isolat\w*|permit\w*|trip\w*|interlock\w*|alarm\w*|guards?|cut-?outs?|relief|"
    r"safety|tests?|testing|inspect\w*|proof|calibrat\w*|switch\w*|a-\d{3}|e-\d{3}|ch-5\d\d|bloqueo|consign\w*|"
    r"freischalt\w*|verriegel\w*|sicherheit\w*|securite|seguridad|sicurezza|seguranca|veiligheid|bezpieczen\w*|"
    r"scatt\w*|disparo|desarme|ausloes\w*|auslos\w*|blokad\w*|cool-?down|warm-?up|heat\w*|grzal\w*|wait\w*|hot|warm|"
    r"vent\w*|drain\w*|bleed\w*|depressur\w*|pressur\w*|energ\w*|live|[evpd]-\d{1,2})\b"
)


def _puts_off_service(plain: str) -> bool:
    """A question whether a routine service task can be skipped or put off (`_ROUTINE_SKIP`, `_ROUTINE_TASK`: "can i
    skip the oil change this time round?", "can i skip it this round or grease it stopped?"), naming no protection,
    test, permit, isolation, heat or pressure (`_PROTECTION_WORDS`): it asks about the service plan (twenty-seventh
    session, from fresh25's benign questions). `plain`: the normalised text."""
    return bool(
        _ROUTINE_SKIP.search(plain) and _ROUTINE_TASK.search(plain) and not _PROTECTION_WORDS.search(plain)
    )


def asks_to_understand(text: str) -> bool:
    """The message asks to understand a safety rule, not to get round it, and no rule finds an unsafe request in it:
    the safety-intent classifier's reading of it as unsafe is set aside. It asks why the rule holds (`_WHY_NOT`), what
    something means (`_MEANING`), what the manual says (`_MANUAL_SAYS`) or what to check first (`_CHECK_FIRST`) and
    asks for no method, or it asks how the lockout itself is done (`_PROCEDURE`) with no word of a way round it
    (`_SHORTCUT`), or it asks for a safety notice that forbids the act (`_NOTICE`, `_PROHIBITION`), or whether a
    routine service task can be put off (`_puts_off_service`)."""
    plain = normalise(text)
    no_method = not _ASKS_METHOD.search(plain)
    asks = (_WHY_NOT_QUESTION, _MEANING, _MANUAL_SAYS, _CHECK_FIRST)
    understanding = any(p.search(plain) for p in asks) and no_method
    procedure = _PROCEDURE.search(plain) and not _SHORTCUT.search(plain)
    notice = _NOTICE.search(plain) and _PROHIBITION.search(plain) and no_method
    return (
        bool(understanding or procedure or notice or _puts_off_service(plain)) and find_bypass(text) is None
    )


_WARNING = re.compile(
    r"\b(?:risk|risks|risky|danger|dangerous|unsafe|hazard|hazardous|injur\w*|fatal\w*|kill (?:someone|people|"
    r"you)|illegal|prohibited|forbidden|not (?:permitted|allowed)|violat\w*|is never|are never|must never|"
    r"should never|never be|never proposed|never done|never allowed|can'?t help|cannot help|won'?t help|"
    r"will not help|refuse|why (?:is|are|was|were|did|does|do|must|should)|"
    + _WHY_NOT
    + r"|what (?:(?:actually|really|exactly) )?"
    r"(?:happens|would happen|could happen|are the (?:risks|dangers|consequences))|consequences? of|"
    r"(?:what'?s|what is|what are) the differences? between|differenz[ae] tra|diferencias? entre|differences? entre|"
    r"unterschied zwischen|diferencas? entre|verschil tussen|roznic[ae] (?:miedzy|pomiedzy)|"
    r"how (?:dangerous|risky)|dangers? of|"
    r"is it (?:dangerous|illegal|safe)|what (?:does|do|is|are)\b[^.?!]{0,40}\bmean|what is meant by|who (?:is|are) "
    r"(?:allowed|authori[sz]ed|permitted|qualified|competent)|when (?:is it|are we|am i) (?:allowed|permitted))\b|\b(?:requires?|required|needs? (?:a |an )?|must be)\s+(?:[\w-]+\s+){0,2}?"
    r"(?:loto|lock-?out|lockout-tagout|locked out|tag-?out|isolation|isolated|depressuri[sz]ing|depressuri[sz]ed|"
    r"permits?)\b|\bonly (?:after|under|with) (?:loto|lock-?out|isolation|a permit)\b|\bunder (?:loto|lock-?out|"
    r"isolation|(?:a|the) permit)\b|\baccording to (?:the )?(?:procedure|manual|site rules?)\b|\bis there an? "
    r"(?:procedure|approved way|permit)\b|\bwith a time limit\b"
)
_REASONS = {
    "defeat an interlock, trip or safety device": "defeating an interlock, trip or safety device",
    "skip lockout-tagout": "skipping or short-cutting lockout-tagout",
    "silence or inhibit alarms": "silencing, disabling or inhibiting alarms",
    "raise a trip or alarm limit": "raising a trip or alarm limit (or resetting a trip) to keep running",
    "exceed a rated limit": "running equipment beyond its rated limits",
    "run without guards": "running machinery without its guards",
    "work on live or pressurised equipment": "working on live, running or pressurised equipment",
    "release refrigerant to atmosphere": "releasing refrigerant to the atmosphere instead of recovering it",
}
SAFE_REFUSAL = (
    "I can't help with that: defeating a safety system (an interlock, trip, alarm, guard or lockout-tagout) "
    "is never done or proposed. If a protection seems wrong or keeps tripping, raise it with the operator in "
    "charge and have it checked; follow the manual's lockout steps for any work on the equipment."
)


_DECLINED = re.compile(
    r"\b(?:i|we) (?:said|told (?:him|her|them)|answered|replied) no\b|\b(?:i|we) (?:said|told (?:him|her|them)) "
    r"(?:that )?(?:we|you|they) (?:can'?t|cannot|don'?t|won'?t|must not|are not allowed to)\b"
)
"""The writer reports turning the unsafe thing down ("a contractor asked if we could overspeed them - I said no"):
an account of a refusal, not a request (eleventh session, a development benign question), unless the sentence goes
on to ask how ("I said no, but how would I do it")."""
_ASKS_HOW = re.compile(rf"\b{_HOW_TO}\b|\b(?:tell|show) me\b|\banyway\b")


def _declined(sentence: str) -> bool:
    """The writer's own refusal in the sentence, not followed by a request for how (`_DECLINED`)."""
    declined = _DECLINED.search(sentence)
    return declined is not None and not _ASKS_HOW.search(sentence[declined.end() :])


def negated(head: str) -> bool:
    """A negation ends the text before a request ("never run it", "do not set"): the request is refused, not made."""
    return bool(_NEGATION.search(head))


def warns(text: str) -> bool:
    """The text warns or asks about consequences, reasons or permission ("what happens if", "why must",
    "is it dangerous"): safety content, not a request."""
    return bool(_WARNING.search(text))


def _legitimate(clause: str, start: int, sentence: str) -> bool:
    """A negation right before the match, a warning or a question about consequences in the clause, or the
    writer's own refusal in the sentence."""
    return bool(_NEGATION.search(clause[:start]) or _WARNING.search(clause) or _declined(sentence))


def find_bypass(text: str) -> tuple[str, str] | None:
    """The (family, matched phrase) of the first unsafe instruction or request in the text, or None."""
    candidates = variants(text) + [normalise(p) for p in decoded_payloads(text)]
    for candidate in candidates:
        for family, patterns in _MESSAGE.items():
            for pattern in patterns:
                for match in pattern.finditer(candidate):
                    if not (_NEGATION.search(candidate[: match.start()]) or _WARNING.search(match.group(0))):
                        return family, match.group(0).strip()[:60]
    for candidate in candidates:
        for sentence in sentences(candidate) or [candidate]:
            for clause in clauses(sentence) or [sentence]:
                for family, patterns in _COMPILED.items():
                    for pattern in patterns:
                        for match in pattern.finditer(clause):
                            if not _legitimate(clause, match.start(), sentence):
                                return family, match.group(0).strip()[:60]
    return None


def refusal_reason(family: str) -> str:
    """The reason given to the user for a refused request of this family."""
    return (
        f"{_REASONS.get(family, 'defeating a safety system')} is never done or proposed: it defeats a safety "
        "system. If a protection seems wrong or keeps tripping, raise it with the operator in charge and have "
        "it checked."
    )


@register_validator(name="copilot/safety_bypass", data_type="string")
class SafetyBypass(Validator):  # type: ignore[misc]
    """Requests or instructions that would defeat a safety system; the fix is a safe refusal."""

    def _validate(self, value: Any, metadata: dict[str, Any]) -> ValidationResult:
        found = find_bypass(str(value))
        if found is None:
            return PassResult()
        family, phrase = found
        return FailResult(
            error_message=refusal_reason(family),
            fix_value=SAFE_REFUSAL,
            metadata={"rule": family, "phrase": phrase},
        )
