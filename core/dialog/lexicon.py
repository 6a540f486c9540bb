"""The words patients use, in English and Spanish, written once for every reader.

Everything here is matched against tokens() output: lower case, accents
stripped, apostrophes joined ("can't" -> "cant"), texting shorthand spelled
out ("appt" -> "appointment", "u" -> "you"). Phrases are space-separated
words matched on word boundaries.
"""

from __future__ import annotations

# Texting shorthand and common misspellings, token -> what it stands for.
SHORTHAND = {
    "u": "you", "ya": "you", "ur": "your", "r": "are", "pls": "please",
    "plz": "please", "plss": "please", "thx": "thanks", "thnx": "thanks",
    "tx": "thanks", "ty": "thanks", "tks": "thanks", "thanx": "thanks",
    "appt": "appointment", "appts": "appointments", "apt": "appointment",
    "apointment": "appointment", "appoinment": "appointment",
    "appointmnet": "appointment", "appoitment": "appointment",
    "apptmt": "appointment", "apointement": "appointment",
    "appointement": "appointment", "apointmen": "appointment",
    "tmrw": "tomorrow", "tmr": "tomorrow", "tmw": "tomorrow",
    "tomorow": "tomorrow", "tommorow": "tomorrow", "tommorrow": "tomorrow",
    "b4": "before", "bc": "because", "cuz": "because", "w": "with",
    "wk": "week", "nxt": "next", "2day": "today", "2nite": "tonight",
    "tonite": "tonight", "2moro": "tomorrow", "2morrow": "tomorrow",
    "mins": "min", "minutes": "min", "minute": "min", "minutos": "min",
    "minuto": "min", "hr": "hour", "hrs": "hours", "cancle": "cancel",
    "cancell": "cancel", "cancelar": "cancelar", "cancal": "cancel",
    "resched": "reschedule", "reschedual": "reschedule",
    "reshedule": "reschedule", "rescedule": "reschedule",
    "docter": "doctor", "doc": "doctor", "dr": "doctor", "dra": "doctora",
    "drs": "doctor", "xq": "porque", "pq": "porque", "q": "que", "k": "ok",
    "kk": "ok", "okey": "ok", "okk": "ok", "okay": "ok", "oky": "ok",
    "tmb": "tambien", "x": "por", "gracais": "gracias", "grax": "gracias",
    "grs": "gracias", "xfa": "por favor", "porfa": "por favor",
    "porfavor": "por favor", "pf": "por favor", "mñn": "manana",
    "yess": "yes", "yesss": "yes", "yep": "yes", "yup": "yes", "ye": "yes",
    "yea": "yes", "yeah": "yes", "ys": "yes", "sii": "si", "siii": "si",
    "nop": "no", "nope": "no", "nah": "no", "im": "i am", "iam": "i am",
    "ive": "i have", "wanna": "want to", "gonna": "going to",
    "gotta": "have to", "lemme": "let me", "gimme": "give me",
}  # fmt: skip

# Intent cues. Each intent lists phrases; a message shows the intent when it
# contains one of them (see intents.py for the order they are tried in).
OPT_OUT = (
    "dejen de escribirme", "dejen de mandarme", "no quiero recibir",
    "stop sending me", "quit sending", "dont want these texts",
    "dont want your texts", "no more reminders", "stop the reminders",
    "no quiero mensajes",
    "stop texting", "stop sending", "stop messaging", "stop the texts",
    "no more texts", "no more messages", "dont text me", "do not text me",
    "unsubscribe", "opt out", "remove me", "take me off", "dejen de escribir",
    "dejen de enviar", "dejen de mandar", "no me manden", "no me envien",
    "no me escriban", "darme de baja", "dar de baja", "quiero la baja",
    "no quiero mas mensajes", "no mas mensajes", "stop", "baja", "parar",
    "stopall",
)  # fmt: skip
LANGUAGE = {
    "es": (
        "en espanol", "in spanish", "spanish please", "espanol por favor",
        "hablan espanol", "habla espanol", "speak spanish", "espanol",
        "spanish", "castellano",
    ),
    "en": (
        "in english", "english please", "speak english", "en ingles",
        "hablan ingles", "habla ingles", "ingles por favor", "english",
        "ingles",
    ),
}  # fmt: skip
STAFF = (
    "real human", "human", "humano", "agente", "secretaria", "recepcion",
    "me pueda llamar", "pueda llamar", "alguien que me llame", "someone to call",
    "talk to a real", "speak to a real",
    "talk to a person", "talk to someone", "talk to somebody", "speak to someone",
    "speak to a person", "speak with someone", "speak with a person",
    "talk with someone", "talk to a human", "speak to a human", "real person",
    "a human", "a person", "receptionist", "front desk", "operator", "an agent",
    "call me", "give me a call", "someone call", "somebody call", "can you call",
    "could you call", "could someone call", "talk to staff", "speak to staff",
    "talk to the office", "speak to the office", "hablar con alguien",
    "hablar con una persona", "hablar con un humano", "hablar con recepcion",
    "una persona", "un humano", "que me llamen", "llamenme", "me pueden llamar",
    "me puede llamar", "pueden llamarme", "puede llamarme", "me llaman",
    "persona real", "recepcionista", "hablar con el personal", "talk to you",
    "person please", "human please", "persona por favor",
)  # fmt: skip
LATE = (
    "behind", "me retrase", "retrase", "la demora", "la tardanza", "atrapado",
    "atrapada", "trafico", "traffic", "parking now", "be there in",
    "estoy llegando", "llego en",
    "running late", "run late", "bit late", "little late", "few min late",
    "min late", "be late", "am late", "gonna be late", "going to be late",
    "will be late", "im late", "i am late", "late sorry", "sorry late",
    "running behind", "stuck in traffic", "in traffic", "traffic is",
    "on my way", "on the way", "omw", "almost there", "nearly there",
    "min away", "llego tarde", "voy tarde", "llegare tarde", "llegar tarde",
    "voy a llegar tarde", "voy con retraso", "me retraso", "retrasado",
    "retrasada", "un poco tarde", "unos min tarde", "min tarde", "en camino",
    "voy para alla", "ya voy", "hay trafico", "mucho trafico", "atascado",
    "atascada", "atasco", "llegando", "ya casi llego", "late",
)  # fmt: skip
LEAVE = (
    "ignore that", "ignore", "forget i asked", "nada mas", "wrong number",
    "numero equivocado", "not now", "ahora no", "no quiero nada",
    "never mind", "nevermind", "nvm", "forget it", "forget about it",
    "forget that", "leave it", "not anymore", "no longer", "scratch that",
    "cancel that", "stop this", "nothing", "nothing thanks", "all good",
    "im good", "i am good", "no need", "olvidalo", "olvidelo", "olvida",
    "dejalo", "dejelo", "nada", "ya no",
    "no hace falta", "nada gracias", "go back", "back", "quit", "exit",
    "salir", "volver",
)  # fmt: skip
MOVE = (
    "pasar al", "pasarla al", "pasarlo al", "cambiarla al", "cambiarlo al",
    "moverla al", "moverlo al", "pasar mi cita", "pasar la cita al",
    "anything later", "anything earlier", "something later", "something earlier",
    "later one", "earlier one", "push", "switch it", "switch", "mueve", "muevan",
    "muevela", "cambia", "cambiame", "cambien", "cambiarla", "pasa mi cita",
    "pasar mi cita", "pasarla", "otro horario", "mas tarde", "mas temprano",
    "back a week",
    "reschedule", "re schedule", "move my", "move the", "move it", "move to",
    "move appointment", "change my", "change the", "change it", "change to",
    "change appointment", "different day", "different time", "different date",
    "another day", "another time", "other day", "other time", "later time",
    "earlier time", "push back", "push it", "postpone", "bring forward",
    "make it", "switch to", "switch my", "instead", "can we do", "could we do",
    "how about", "what about", "rather", "cambiar", "cambio", "cambiarla",
    "mover", "moverla", "reprogramar", "pasar la cita", "pasarla", "otro dia",
    "otra hora", "otra fecha", "aplazar", "posponer", "adelantar", "atrasar",
    "en vez de", "mejor el", "mejor otro", "se puede el", "puede ser el",
    "podemos cambiar", "podria ser", "move",
)  # fmt: skip
CANCEL = (
    "cancelame", "cancelala", "cancelalo", "cancelarlo", "ya no necesito",
    "no necesito la cita", "dont need the appointment", "no longer need",
    "dont need it anymore",
    "cancel", "cancelar", "cancela", "cancelen", "cancelo", "cancelarla",
    "anular", "anula", "anulen", "cant make it", "cant come", "cannot come",
    "can not come", "cant go", "cannot make it", "can not make it",
    "wont make it", "wont be able", "will not be able", "not be able to come",
    "not able to come", "not able to make", "unable to come", "unable to make",
    "cant attend", "wont be coming", "not coming", "cant be there",
    "call it off", "drop my", "no puedo ir", "no puedo asistir",
    "no puedo venir", "no voy a poder", "no podre", "no podre ir",
    "no voy a ir", "no voy", "no puedo", "no asistire", "no llego",
    "cant", "cannot",
)  # fmt: skip
CONFIRM = (
    "confirm", "confirmed", "confirming", "i will be there", "will be there",
    "be there", "see you", "see ya", "see you then", "will do", "i will come",
    "i will attend", "attending", "count me in", "sounds good", "all set",
    "im coming", "i am coming", "we are coming", "confirmo", "confirmar", "confirmada",
    "confirmado", "alli estare", "ahi estare", "ahi estaremos", "alli estaremos",
    "estare ahi", "estare alli", "nos vemos", "asistire", "si voy",
    "voy a ir", "cuente conmigo", "sure thing", "works for me", "that works",
    "we will be there", "well be there", "will attend", "no problem",
)  # fmt: skip
# Plain agreement: confirms a reminder, answers yes elsewhere.
YES_WORDS = (
    "vale", "claro", "claro que si", "de acuerdo", "perfecto", "si claro",
    "yes sure", "ok sure", "sure thing", "alright", "all right",
    "yes", "si", "ok", "sure", "yes please", "of course", "absolutely",
    "definitely", "correct", "right", "good", "great", "perfect", "fine",
    "sounds good", "por supuesto", "por favor", "dale", "bueno", "va", "listo",
    "👍", "✅", "👌", "🙂", "😊",
)  # fmt: skip
NO_WORDS = ("no", "no thanks", "no gracias", "not really", "👎", "❌")
MY_VISITS = (
    "remind me when", "when im seeing", "when am i seeing", "am i seeing",
    "appointments do i have", "appointment do i have", "still on",
    "what did i book", "was i booked", "am i booked", "tenia cita",
    "tengo alguna cita", "tengo algo", "citas tengo", "cita tengo", "cuando era",
    "la hora que me dieron", "on my calendar", "proximas citas", "proxima cita",
    "booked for", "what time am i", "when do i see", "do i see",
    "my appointment", "my appointments", "my visit", "my visits", "my booking",
    "my bookings", "when is my", "what time is my", "do i have",
    "have an appointment", "have appointment", "upcoming", "next appointment",
    "check my", "see my", "show my", "list my", "which day is my",
    "what day is my", "is my appointment", "mis citas", "mi cita", "mis turnos",
    "mi turno", "mi consulta", "tengo cita", "tengo una cita", "cuando es mi",
    "cuando tengo", "a que hora es mi", "que dia es mi", "a que hora tengo",
    "ver mis", "my appts",
)  # fmt: skip
BOOK = (
    "get checked", "checked out", "looked at", "take a look", "have a look",
    "que me vean", "me vea", "revisar", "revisen",
    "book", "booking", "schedule", "make an appointment", "get an appointment",
    "need an appointment", "want an appointment", "an appointment",
    "new appointment", "appointment for", "appointment with",
    "appointment on", "appointment tomorrow", "appointment today", "set up",
    "come in", "get in", "be seen", "see a doctor", "see the doctor",
    "see doctor", "see someone", "see somebody", "see a", "see dr",
    "available", "availability", "openings", "opening", "any times",
    "free times", "free time", "any time", "slot", "slots", "spot", "space",
    "room for", "fit me in", "squeeze me", "get seen", "visit", "checkup",
    "check up", "appointment", "reservar", "reserva", "agendar", "sacar cita",
    "pedir cita", "pedir una cita", "quiero cita", "quiero una cita",
    "necesito cita", "necesito una cita", "una cita", "cita para", "cita con",
    "cita el", "cita", "consulta", "turno", "hueco", "disponible",
    "disponibilidad", "me pueden ver", "me puede ver", "pueden verme",
    "puede verme", "atender", "atiendan", "ver al doctor", "ver a la doctora",
    "ver al medico", "ver a un", "ver a una", "ver a alguien", "ir al doctor",
    "consultar", "chequeo", "revision", "primera vez", "pasar consulta",
    "anything on", "anything for", "need to see", "want to see",
)  # fmt: skip
THANKS = (
    "bendiciones", "muy amable", "feliz", "happy", "merry", "thank", "appreciate",
    "have a nice day", "que tenga buen dia", "you too", "igualmente", "take care",
    "cuidese",
    "thanks", "thank you", "thank u", "thankyou", "many thanks", "cheers",
    "gracias", "muchas gracias", "mil gracias", "appreciate it", "great thanks",
    "perfect thanks", "ok thanks", "ok gracias", "vale gracias", "genial",
    "awesome", "cool", "great", "perfect", "perfecto", "excellent", "nice",
    "lovely", "brilliant", "ok", "okay", "got it", "understood", "entendido",
    "bye", "goodbye", "adios", "hasta luego", "chao", "chau", "lol", "haha",
    "jaja", "have a good day", "buen dia", "🙏", "👍", "😊", "🙂", "❤",
    "👌", "✅", "😀", "😁", "🤗", "💕", "👋",
)  # fmt: skip
GREETINGS = (
    "sup", "whats up", "hey there", "hello hello", "buen dia", "saludos",
    "hi", "hello", "hey", "hiya", "howdy", "yo", "good morning",
    "good afternoon", "good evening", "morning", "hola", "buenas",
    "buenos dias", "buen dia", "buenas tardes", "buenas noches", "que tal",
    "holi", "ola", "hello there", "hi there", "start",
)  # fmt: skip
NO_PREFERENCE = (
    "any", "anyone", "any one", "anybody", "any doctor", "whoever",
    "whichever", "no preference", "doesnt matter", "does not matter",
    "dont care", "dont mind", "either", "first available", "whoever is free",
    "cualquiera", "cualquier", "cualquier doctor", "cualquier medico",
    "me da igual", "da igual", "el que sea", "la que sea", "no importa",
    "sin preferencia", "el primero disponible", "lo que sea",
)  # fmt: skip

# Questions about the clinic, by the fact that answers them.
TOPICS = {
    "address": (
        "address", "where are you", "where is", "where r you", "located",
        "location", "directions", "how do i get there", "how to get there",
        "get to you", "get to the clinic", "find you",
        "what street", "which street", "direccion", "donde estan", "donde queda",
        "donde esta", "ubicacion", "ubicados", "como llego", "como llegar",
        "en que calle", "floor", "which floor", "what floor", "piso", "planta",
        "building", "edificio", "entrance", "entrada", "where", "donde",
    ),
    "parking": (
        "park", "parking", "car park", "garage", "aparcar", "aparcamiento",
        "estacionar", "estacionamiento", "parqueo", "parquear", "parking lot",
        "coche", "carro", "my car", "el auto",
    ),
    "phone": (
        "phone number", "your number", "number to call", "telephone",
        "call you", "call the clinic", "telefono", "numero de telefono",
        "what number", "number can i call", "number i can", "number to ring",
        "number do i call", "que numero", "numero para llamar",
        "llamar a la clinica", "llamarlos", "phone",
    ),
    "bring": (
        "bring", "prepare", "preparation", "fast before", "fasting",
        "empty stomach", "insurance card", "documents", "paperwork", "forms",
        "what do i need", "need to bring", "traer", "llevar", "preparar",
        "prepararme", "ayunas", "ayuno", "documentos", "tarjeta del seguro",
        "que necesito",
    ),
    "hours": (
        "hours", "opening hours", "open", "opens", "close", "closed",
        "closing", "what time do you", "when do you", "horario", "horarios",
        "abren", "abierto", "abiertos", "cierran", "cerrado", "atienden",
        "a que hora abren", "a que hora cierran",
    ),
}  # fmt: skip
# Anything about health goes to a person (DESIGN: no medical detail by text).
MEDICAL = (
    "pain", "hurt", "hurts", "hurting", "ache", "aches", "sore", "fever",
    "temperature", "rash", "cough", "coughing", "bleeding", "blood", "swollen",
    "swelling", "vomit", "vomiting", "throwing up", "nausea", "dizzy",
    "infection", "infected", "itch", "itchy", "itching", "lump", "mole",
    "allergic", "allergy", "reaction", "medication", "medicine", "meds", "pill",
    "pills", "dose", "dosage", "ibuprofen", "tylenol", "paracetamol", "aspirin",
    "advil", "antibiotic", "antibiotics", "prescription", "refill", "results",
    "test results", "lab", "labs", "shot", "vaccine", "side effect",
    "side effects", "pregnant", "serious", "emergency", "worried", "symptom",
    "symptoms", "sick", "ill", "cream", "burn", "wound", "stitches", "acne",
    "diarrhea", "headache", "migraine", "breathing", "chest", "dolor", "duele",
    "fiebre", "tos", "sarpullido", "erupcion", "ronchas", "granos", "sangrado",
    "sangre", "hinchado", "hinchada", "hinchazon", "vomito", "vomitos",
    "mareo", "mareado", "mareada", "picor", "pica", "picazon", "alergia",
    "medicamento", "medicamentos", "pastilla", "pastillas",
    "dosis", "receta", "resultados", "analisis", "vacuna", "embarazada",
    "grave", "urgente", "urgencia", "sintomas", "enfermo", "enferma", "crema",
    "quemadura", "herida", "puntos", "ibuprofeno", "antibiotico",
)  # fmt: skip
# A message that reads as a question, by its first word.
QUESTION_STARTS = (
    "where", "what", "when", "how", "why", "which", "who", "is", "are", "do",
    "does", "can", "could", "should", "will", "would", "may", "am", "donde",
    "que", "cual", "cuando", "como", "por que", "porque", "quien", "hay",
    "tienen", "aceptan", "puedo", "se puede", "es", "esta", "estan", "debo",
)  # fmt: skip

# Departments and specialties by what patients call them. Each entry's first
# name is matched against the clinic's own department names; the rest are
# the words patients use for it, in both languages and both spellings.
SPECIALTIES = (
    ("general practice", "general practice", "general practitioner", "gp",
     "family practice", "family medicine", "family doctor", "family physician",
     "primary care", "general medicine", "general", "regular doctor",
     "medicina general", "medicina familiar", "medico de cabecera",
     "medico familiar", "medico general", "doctor de cabecera",
     "medicina de familia", "internal medicine", "internist"),
    ("paediatrics", "pediatrics", "paediatric", "pediatric", "paediatrician",
     "pediatrician", "peds", "kids doctor", "childrens doctor", "child doctor",
     "for my son", "for my daughter", "for my kid", "for my child",
     "my baby", "pediatria", "pediatra", "ninos", "para mi hijo",
     "para mi hija", "mi bebe", "doctor de ninos", "medico de ninos"),
    ("dermatology", "dermatologist", "derm", "skin doctor", "skin",
     "dermatologia", "dermatologo", "dermatologa", "piel", "medico de la piel"),
    ("cardiology", "cardiologist", "heart doctor", "cardiologia",
     "cardiologo", "cardiologa"),
    ("gynaecology", "gynecology", "gynaecologist", "gynecologist", "obgyn",
     "ob gyn", "ginecologia", "ginecologo", "ginecologa"),
    ("orthopaedics", "orthopedics", "orthopaedic", "orthopedic", "ortho",
     "bones", "traumatologia", "traumatologo", "ortopedia"),
    ("ophthalmology", "eye doctor", "eyes", "ophthalmologist", "oftalmologia",
     "oftalmologo", "ojos"),
    ("dentistry", "dentist", "dental", "teeth", "dentista", "odontologia",
     "dientes"),
    ("physiotherapy", "physical therapy", "physio", "pt", "fisioterapia",
     "fisio"),
    ("psychology", "psychologist", "therapist", "therapy", "mental health",
     "psicologia", "psicologo", "psicologa", "terapia"),
)  # fmt: skip
VISIT_KINDS = (
    ("consultation", "consultation", "consult", "regular visit", "normal visit",
     "checkup", "check up", "general checkup", "physical", "consulta",
     "consulta normal", "chequeo", "revision general", "chequeo general"),
    ("new patient", "new patient", "first visit", "first time",
     "first appointment", "never been", "im new", "i am new", "primera vez",
     "primera visita", "primera consulta", "paciente nuevo", "paciente nueva",
     "nuevo paciente", "nueva paciente", "soy nuevo", "soy nueva"),
    ("follow-up", "follow up", "followup", "follow", "check back",
     "come back", "review", "recheck", "seguimiento", "revision", "control",
     "volver a ver"),
)  # fmt: skip
# Words a doctor's name follows: a typo after one of these still names a doctor.
TITLES = ("doctor", "doctora", "doc", "dr", "dra", "doctors", "doctr", "dcotor")
# Words that are never names, however they look ("this is urgent").
NOT_NAMES = frozenset(
    """a an the and or but i you we he she they it me my your is are am was be
    been here there this that what why who how when where which do does did not
    no yes ok okay hi hello hey hola thanks thank please new patient patients
    looking calling trying going running late sick just still also really very
    so too about for from with without to of in on at by an urgent back sorry
    wondering interested asking writing texting booking hoping needing wanting
    available free fine good great well tired busy ready here home out away
    un una el la los las y o pero yo tu usted es soy estoy estaba aqui alli
    que por para con sin de del al en a mi su muy bien mal gracias hola buenas
    paciente nuevo nueva llamando escribiendo buscando tarde temprano listo
    lista enfermo enferma cansado cansada id ill ive quiero necesito queria quisiera
    tengo puedo busco deseo want need would could can will have had get got
    like wanted needed calling texting gonna wanna""".split()  # noqa: SIM905 - a word list reads better as text
)


# Every single word the lists above use: "holaa" is read as "hola" only
# because "hola" is a word we know.
KNOWN = frozenset(
    word
    for group in (OPT_OUT, STAFF, LATE, LEAVE, MOVE, CANCEL, CONFIRM, YES_WORDS,
                  NO_WORDS, MY_VISITS, BOOK, THANKS, GREETINGS, NO_PREFERENCE)
    for phrase in group
    for word in phrase.split()
)  # fmt: skip


# What a clinic's own questions are about, by the words either side may use:
# "do u take medicaid" and "Which insurance do you accept?" share "insurance".
CONCEPTS = {
    "insurance": ("insurance", "insured", "medicaid", "medicare", "plan", "plans",
                  "coverage", "cover", "covered", "blue cross", "aetna", "cigna",
                  "seguro", "seguros", "aseguradora", "cobertura", "obra social"),
    "access": ("wheelchair", "accessible", "accessibility", "ramp", "disabled",
               "disability", "elevator", "lift", "stairs", "step free", "walker",
               "silla de ruedas", "accesible", "acceso", "rampa", "ascensor",
               "escaleras", "discapacidad", "movilidad"),
    "price": ("cost", "costs", "price", "prices", "how much", "fee", "fees",
              "charge", "pay", "cuanto cuesta", "cuesta", "precio", "cobran",
              "pagar", "tarifa"),
    "language": ("language", "languages", "speak", "interpreter", "translator",
                 "idioma", "idiomas", "hablan", "interprete", "traductor"),
    "tests": ("covid", "test", "tests", "testing", "pcr", "vaccine", "vaccines",
              "vaccination", "prueba", "pruebas", "vacuna", "vacunas"),
    "children": ("kids", "children", "child", "baby", "babies", "ninos", "bebe",
                 "hijos"),
    "records": ("records", "forms", "paperwork", "certificate", "note",
                "expediente", "certificado", "justificante", "formulario"),
}  # fmt: skip
