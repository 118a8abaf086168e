"""The Piccolo schema of Retorno's round-1 domain.

Conventions:
- Every branch-owned row has `branch`; queries reach it only through
  `app.scope` (another branch's id looks like no row).
- Rows the dealer's DMS owns carry `dms_id`, unique per branch (the unique
  indexes, partial indexes and composite indexes live in the migration
  `..._indexes`, since Piccolo cannot emit composite constraints on SQLite).
- Rows users edit carry `version`, bumped on every write; a write with a
  stale version changes nothing and tells the user.
- Timestamps are UTC (`Timestamptz`); dates that are local by nature
  (a birthday, an agreed follow-up day) are `Date`.
"""

from __future__ import annotations

from decimal import Decimal
from enum import Enum

from piccolo.columns import (
    JSON,
    Boolean,
    Bytea,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

# --- choices ---------------------------------------------------------------


class Country(str, Enum):
    argentina = "AR"
    mexico = "MX"


class Locale(str, Enum):
    es_ar = "es-AR"
    es_mx = "es-MX"


class Role(str, Enum):
    advisor = "advisor"
    coordinator = "coordinator"
    manager = "manager"
    admin = "admin"


class TaxIdType(str, Enum):
    none = ""
    cuit = "cuit"
    cuil = "cuil"
    dni = "dni"
    rfc = "rfc"
    curp = "curp"
    passport = "passport"
    other = "other"


class CallPurpose(str, Enum):
    """Which calls a call outcome of the catalog applies to."""

    any = "any"
    welcome = "welcome"
    courtesy = "courtesy"
    attempt = "attempt"
    confirmation = "confirmation"


class CallStatus(str, Enum):
    pending = "pending"
    done = "done"


class AppointmentStatus(str, Enum):
    scheduled = "scheduled"
    confirmed = "confirmed"
    arrived = "arrived"
    no_show = "no_show"
    cancelled = "cancelled"


class AppointmentSource(str, Enum):
    dms = "dms"
    board = "board"
    web = "web"


class CheckInSource(str, Enum):
    none = ""
    dms = "dms"
    manual = "manual"


class RepairOrderStatus(str, Enum):
    open = "open"
    delivered = "delivered"
    cancelled = "cancelled"


class RepairOrderStage(str, Enum):
    quote = "quote"
    authorization = "authorization"
    in_process = "in_process"
    finished = "finished"


class LineKind(str, Enum):
    labour = "labour"
    part = "part"
    other = "other"


class LineApproval(str, Enum):
    pending = "pending"
    authorised = "authorised"
    declined = "declined"


class OpportunityKind(str, Enum):
    welcome_followup = "welcome_followup"
    maintenance = "maintenance"
    lapsed = "lapsed"
    declined_work = "declined_work"
    recall = "recall"
    technical_note = "technical_note"
    marketing = "marketing"
    service_campaign = "service_campaign"
    no_show = "no_show"
    web_booking = "web_booking"
    manual = "manual"


class OpportunitySource(str, Enum):
    user = "user"
    welcome_call = "welcome_call"
    repair_order = "repair_order"
    projection = "projection"
    generator = "generator"
    campaign = "campaign"
    appointment = "appointment"
    web = "web"
    dms = "dms"
    import_file = "import"


class OpportunityStatus(str, Enum):
    open = "open"
    held = "held"  # a recall waiting for its parts: not on the board until they are available
    booked = "booked"
    discarded = "discarded"
    no_contact = "no_contact"  # the attempt limit reached unanswered: the fallback letter or e-mail went out


class CampaignKind(str, Enum):
    recall = "recall"
    technical_note = "technical_note"
    marketing = "marketing"
    service_campaign = "service_campaign"


class CampaignStatus(str, Enum):
    draft = "draft"
    active = "active"
    closed = "closed"


class PartsStatus(str, Enum):
    not_needed = "not_needed"
    ordered = "ordered"
    available = "available"


class ProcessStatus(str, Enum):
    idle = "idle"
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


class AttemptPurpose(str, Enum):
    opportunity = "opportunity"
    welcome = "welcome"
    courtesy = "courtesy"
    confirmation = "confirmation"
    recontact = "recontact"


class Channel(str, Enum):
    phone = "phone"
    whatsapp = "whatsapp"
    email = "email"
    sms = "sms"
    letter = "letter"


class TimeSlot(str, Enum):
    morning = "morning"
    midday = "midday"
    afternoon = "afternoon"
    evening = "evening"


class OutboxStatus(str, Enum):
    pending = "pending"
    sending = "sending"
    sent = "sent"
    failed = "failed"
    skipped = "skipped"


class ImportKind(str, Enum):
    customers = "customers"
    vehicles = "vehicles"
    deliveries = "deliveries"
    appointments = "appointments"
    repair_orders = "repair_orders"


class ImportSource(str, Enum):
    file = "file"
    api = "api"
    sync = "sync"


class ImportStatus(str, Enum):
    draft = "draft"  # uploaded, waiting for the column mapping
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"
    cancelled = "cancelled"


# --- tenant, branches, people ----------------------------------------------


class Dealer(Table):
    """The tenant: a dealer group with one or more branches."""

    name = Varchar(length=120)
    legal_name = Varchar(length=200, default="")
    tax_id = Varchar(length=20, default="")
    email = Varchar(length=200, default="")
    website = Varchar(length=200, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    version = Integer(default=1)


class Branch(Table):
    dealer = ForeignKey(Dealer, on_delete=OnDelete.restrict, null=False)
    code = Varchar(length=20, unique=True, help_text="Short code used in URLs and the command line, e.g. ba")
    name = Varchar(length=120)
    country = Varchar(length=2, choices=Country, default=Country.argentina)
    locale = Varchar(length=5, choices=Locale, default=Locale.es_ar)
    timezone = Varchar(length=64, default="America/Argentina/Buenos_Aires")
    currency = Varchar(length=3, default="ARS")
    street = Varchar(length=200, default="")
    city = Varchar(length=100, default="")
    state = Varchar(length=100, default="")
    postal_code = Varchar(length=20, default="")
    phone = Varchar(length=20, default="", help_text="E.164")
    bookings_phone = Varchar(length=20, default="", help_text="E.164; the number customers call to book")
    whatsapp_number = Varchar(length=20, default="", help_text="E.164")
    email = Varchar(length=200, default="")
    delivery_window_days = Integer(default=30, help_text="Entregas: sales deliveries of the last N days")
    opportunity_window_days = Integer(default=15, help_text="Oportunidades: due from today-N to today+N")
    no_show_window_days = Integer(default=7, help_text="Inasistencias of the last N days")
    done_window_days = Integer(default=15, help_text="Servicios realizados of the last N days")
    attempt_limit = Integer(default=5, help_text="Unanswered attempts before the fallback letter/e-mail")
    first_service_days = Integer(default=180, help_text="First service after a sale: N days ...")
    first_service_km = Integer(default=10000, help_text="... or N km, whichever comes first")
    service_interval_days = Integer(default=365)
    service_interval_km = Integer(default=10000)
    promotion_text = Text(default="", help_text="The current promotion, printed in the fallback letter and e-mail")
    day_end_time = Varchar(length=5, default="18:00", help_text="Local HH:MM: tomorrow's lists go out then")
    sales_email = Varchar(length=200, default="", help_text="Where the day's test-drive leads go")
    dms_synced_at = Timestamptz(null=True, default=None, help_text="Last data received from the DMS")
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())
    version = Integer(default=1)


class User(Table, tablename="app_user"):
    dealer = ForeignKey(Dealer, on_delete=OnDelete.restrict, null=False)
    username = Varchar(length=60, unique=True)
    full_name = Varchar(length=120)
    email = Varchar(length=200, default="")
    role = Varchar(length=20, choices=Role, default=Role.coordinator)
    password_hash = Varchar(length=200, secret=True)
    active = Boolean(default=True)
    session_epoch = Integer(default=1, help_text="Bumped to end every session of the user")
    last_sign_in_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    version = Integer(default=1)


class UserBranch(Table):
    """The branches a non-admin user works in (an admin reaches every branch of the dealer)."""

    user = ForeignKey(User, on_delete=OnDelete.cascade, null=False)
    branch = ForeignKey(Branch, on_delete=OnDelete.cascade, null=False)


class SignInThrottle(Table):
    """Failed sign-ins of one account from one address; locks after too many."""

    username = Varchar(length=60)
    ip = Varchar(length=64)
    failures = Integer(default=0)
    first_failed_at = Timestamptz(default=TimestamptzNow())
    locked_until = Timestamptz(null=True, default=None)


# --- catalogs ----------------------------------------------------------------


class DiscardReason(Table):
    branch = ForeignKey(Branch, on_delete=OnDelete.cascade, null=False)
    name = Varchar(length=120)
    position = Integer(default=0)
    active = Boolean(default=True)
    version = Integer(default=1)


class CallOutcome(Table):
    branch = ForeignKey(Branch, on_delete=OnDelete.cascade, null=False)
    name = Varchar(length=120)
    purpose = Varchar(length=20, choices=CallPurpose, default=CallPurpose.any)
    reached = Boolean(default=True, help_text="The customer was reached (counts as a contact)")
    position = Integer(default=0)
    active = Boolean(default=True)
    version = Integer(default=1)


class Concept(Table):
    """A catalog item of repair-order lines (labour, part, package), usually from the DMS."""

    branch = ForeignKey(Branch, on_delete=OnDelete.cascade, null=False)
    dms_id = Varchar(length=64, null=True, default=None)
    code = Varchar(length=40)
    name = Varchar(length=200)
    kind = Varchar(length=10, choices=LineKind, default=LineKind.labour)
    active = Boolean(default=True)


# --- customers and vehicles --------------------------------------------------


class Customer(Table):
    branch = ForeignKey(Branch, on_delete=OnDelete.restrict, null=False)
    dms_id = Varchar(length=64, null=True, default=None)
    dms_hash = Varchar(length=32, null=True, default=None,
                       help_text="Hash of the DMS row that last wrote or matched it (app/dms/ingest.py)")
    first_name = Varchar(length=100, default="")
    last_name = Varchar(length=100, default="")
    name = Varchar(length=200, help_text="Display name: 'first last' or the company name")
    legal_name = Varchar(length=200, default="")
    tax_id_type = Varchar(length=10, choices=TaxIdType, default=TaxIdType.none)
    tax_id = Varchar(length=20, default="")
    tax_id_valid = Boolean(null=True, default=None, help_text="Checked with python-stdnum; None = not checked")
    phone_mobile = Varchar(length=20, default="", help_text="E.164")
    phone_home = Varchar(length=20, default="", help_text="E.164")
    phone_work = Varchar(length=20, default="", help_text="E.164")
    phone_unparsed = Varchar(length=60, default="", help_text="A phone that could not be normalised, kept raw")
    email = Varchar(length=200, default="")
    email_opt_out = Boolean(default=False)
    whatsapp_opt_out = Boolean(default=False)
    street = Varchar(length=200, default="")
    city = Varchar(length=100, default="")
    state = Varchar(length=100, default="")
    postal_code = Varchar(length=20, default="")
    notes = Text(default="")
    merged_into = ForeignKey("self", on_delete=OnDelete.set_null, null=True, default=None,
                             help_text="Merged as a duplicate into this customer; its history moved there")
    merged_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    version = Integer(default=1)


class CustomerNotDuplicate(Table):
    """Two customers a manager said are different people: not offered for merging again."""

    branch = ForeignKey(Branch, on_delete=OnDelete.cascade, null=False)
    first = ForeignKey(Customer, on_delete=OnDelete.cascade, null=False, index=True, help_text="The lower id")
    second = ForeignKey(Customer, on_delete=OnDelete.cascade, null=False)
    user = ForeignKey(User, on_delete=OnDelete.set_null, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class Vehicle(Table):
    branch = ForeignKey(Branch, on_delete=OnDelete.restrict, null=False)
    dms_id = Varchar(length=64, null=True, default=None)
    dms_hash = Varchar(length=32, null=True, default=None,
                       help_text="Hash of the DMS row that last wrote or matched it (app/dms/ingest.py)")
    vin = Varchar(length=17, default="", help_text="VIN / chasis / No. de serie")
    plate = Varchar(length=12, default="", help_text="Patente / placas, upper case, no spaces or dashes")
    make = Varchar(length=60, default="")
    model = Varchar(length=80, default="")
    trim = Varchar(length=120, default="", help_text="Versión")
    model_year = Integer(null=True, default=None)
    colour = Varchar(length=60, default="")
    odometer_km = Integer(null=True, default=None)
    odometer_read_on = Date(null=True, default=None)
    monthly_km = Integer(null=True, default=None, help_text="Recorrido promedio mensual")
    owner = ForeignKey(Customer, on_delete=OnDelete.restrict, null=True)
    driver = ForeignKey(Customer, on_delete=OnDelete.set_null, null=True, default=None)
    sold_on = Date(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    version = Integer(default=1)


# --- what the DMS reports ----------------------------------------------------


class Delivery(Table):
    """A sale delivered (entrega de 0 km): starts the welcome call."""

    branch = ForeignKey(Branch, on_delete=OnDelete.restrict, null=False)
    dms_id = Varchar(length=64, null=True, default=None)
    dms_hash = Varchar(length=32, null=True, default=None,
                       help_text="Hash of the DMS row that last wrote or matched it (app/dms/ingest.py)")
    vehicle = ForeignKey(Vehicle, on_delete=OnDelete.restrict, null=False)
    customer = ForeignKey(Customer, on_delete=OnDelete.restrict, null=False)
    salesperson = Varchar(length=120, default="")
    delivered_at = Timestamptz()
    welcome_call_status = Varchar(length=10, choices=CallStatus, default=CallStatus.pending)
    welcome_call_outcome = ForeignKey(CallOutcome, on_delete=OnDelete.set_null, null=True, default=None)
    welcome_call_comment = Text(default="")
    welcome_called_at = Timestamptz(null=True, default=None)
    welcome_called_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    version = Integer(default=1)


class Campaign(Table):
    branch = ForeignKey(Branch, on_delete=OnDelete.restrict, null=False)
    kind = Varchar(length=20, choices=CampaignKind, default=CampaignKind.service_campaign)
    name = Varchar(length=200)
    description = Text(default="")
    bulletin_code = Varchar(length=60, default="", help_text="Manufacturer's bulletin / recall code")
    due_on = Date(null=True, default=None)
    parts_required = Boolean(default=False)
    parts_status = Varchar(length=12, choices=PartsStatus, default=PartsStatus.not_needed)
    status = Varchar(length=10, choices=CampaignStatus, default=CampaignStatus.draft)
    criteria = JSON(default={}, help_text="Step 1's filters, as the manager typed them")
    not_found = JSON(default={}, help_text="VINs and plates of the pasted lists: unknown and malformed")
    coordinators = JSON(default=[], help_text="User ids the opportunities are spread over, round robin")
    process_status = Varchar(length=10, choices=ProcessStatus, default=ProcessStatus.idle)
    process_total = Integer(default=0)
    process_done = Integer(default=0)
    process_created = Integer(default=0)
    process_message = Varchar(length=300, default="")
    processed_at = Timestamptz(null=True, default=None)
    created_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    version = Integer(default=1)


class RepairOrder(Table):
    branch = ForeignKey(Branch, on_delete=OnDelete.restrict, null=False)
    dms_id = Varchar(length=64, null=True, default=None)
    dms_hash = Varchar(length=32, null=True, default=None,
                       help_text="Hash of the DMS row that last wrote or matched it (app/dms/ingest.py)")
    number = Varchar(length=40, default="", help_text="The number the DMS shows (Nro OR)")
    customer = ForeignKey(Customer, on_delete=OnDelete.restrict, null=False)
    vehicle = ForeignKey(Vehicle, on_delete=OnDelete.restrict, null=False)
    advisor = ForeignKey(User, on_delete=OnDelete.set_null, null=True, default=None)
    advisor_name = Varchar(length=120, default="")
    opened_at = Timestamptz()
    stage = Varchar(length=14, choices=RepairOrderStage, default=RepairOrderStage.quote)
    status = Varchar(length=10, choices=RepairOrderStatus, default=RepairOrderStatus.open)
    finished_at = Timestamptz(null=True, default=None)
    delivered_at = Timestamptz(null=True, default=None)
    delivered_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True, default=None,
                              help_text="Who marked 'unidad entregada'; empty when the DMS reported it")
    odometer_km = Integer(null=True, default=None)
    total_amount = Numeric(digits=(14, 2), null=True, default=None)
    courtesy_call_status = Varchar(length=10, choices=CallStatus, default=CallStatus.pending)
    courtesy_call_outcome = ForeignKey(CallOutcome, on_delete=OnDelete.set_null, null=True, default=None)
    courtesy_call_comment = Text(default="")
    courtesy_called_at = Timestamptz(null=True, default=None)
    courtesy_called_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    version = Integer(default=1)


class RepairOrderLine(Table):
    branch = ForeignKey(Branch, on_delete=OnDelete.restrict, null=False)
    dms_id = Varchar(length=64, null=True, default=None)
    repair_order = ForeignKey(RepairOrder, on_delete=OnDelete.cascade, null=False)
    line_no = Integer(default=1)
    concept = ForeignKey(Concept, on_delete=OnDelete.set_null, null=True, default=None)
    description = Varchar(length=300, default="")
    kind = Varchar(length=10, choices=LineKind, default=LineKind.labour)
    quantity = Numeric(digits=(10, 2), default=Decimal(1))
    amount = Numeric(digits=(14, 2), null=True, default=None)
    approval = Varchar(length=10, choices=LineApproval, default=LineApproval.authorised)
    follow_up_on = Date(null=True, default=None, help_text="Declined work: the day agreed to call back")
    incident = Text(default="", help_text="What the technician found")


class Opportunity(Table):
    """A reason to contact a customer on a date (kind says why, source says who created it)."""

    branch = ForeignKey(Branch, on_delete=OnDelete.restrict, null=False)
    customer = ForeignKey(Customer, on_delete=OnDelete.restrict, null=False)
    vehicle = ForeignKey(Vehicle, on_delete=OnDelete.restrict, null=True, default=None)
    kind = Varchar(length=20, choices=OpportunityKind, default=OpportunityKind.manual)
    source = Varchar(length=20, choices=OpportunitySource, default=OpportunitySource.user)
    reason = Varchar(length=300, default="", help_text="Why it exists, in the user's words")
    due_at = Timestamptz()
    status = Varchar(length=10, choices=OpportunityStatus, default=OpportunityStatus.open)
    campaign = ForeignKey(Campaign, on_delete=OnDelete.restrict, null=True, default=None)
    delivery = ForeignKey(Delivery, on_delete=OnDelete.set_null, null=True, default=None)
    repair_order = ForeignKey(RepairOrder, on_delete=OnDelete.set_null, null=True, default=None)
    assigned_to = ForeignKey(User, on_delete=OnDelete.set_null, null=True, default=None)
    discard_reason = ForeignKey(DiscardReason, on_delete=OnDelete.restrict, null=True, default=None)
    discard_comment = Text(default="")
    closed_at = Timestamptz(null=True, default=None, help_text="When it was booked or discarded")
    origin_key = Varchar(length=80, null=True, default=None,
                         help_text="What a generator made it from (e.g. maintenance:ro:123): made once, ever")
    reschedule_count = Integer(default=0)
    attempt_count = Integer(default=0)
    last_attempt_at = Timestamptz(null=True, default=None)
    created_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    version = Integer(default=1)


class CampaignUnit(Table):
    """A vehicle a campaign found: chosen or not in step 2, its parts, and the opportunity it became."""

    branch = ForeignKey(Branch, on_delete=OnDelete.cascade, null=False)
    campaign = ForeignKey(Campaign, on_delete=OnDelete.cascade, null=False)
    vehicle = ForeignKey(Vehicle, on_delete=OnDelete.cascade, null=False)
    selected = Boolean(default=True)
    parts_status = Varchar(length=12, choices=PartsStatus, default=PartsStatus.not_needed)
    opportunity = ForeignKey(Opportunity, on_delete=OnDelete.set_null, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class Appointment(Table):
    branch = ForeignKey(Branch, on_delete=OnDelete.restrict, null=False)
    dms_id = Varchar(length=64, null=True, default=None)
    dms_hash = Varchar(length=32, null=True, default=None,
                       help_text="Hash of the DMS row that last wrote or matched it (app/dms/ingest.py)")
    customer = ForeignKey(Customer, on_delete=OnDelete.restrict, null=False)
    vehicle = ForeignKey(Vehicle, on_delete=OnDelete.restrict, null=False)
    opportunity = ForeignKey(Opportunity, on_delete=OnDelete.set_null, null=True, default=None)
    starts_at = Timestamptz()
    status = Varchar(length=10, choices=AppointmentStatus, default=AppointmentStatus.scheduled)
    source = Varchar(length=10, choices=AppointmentSource, default=AppointmentSource.dms)
    advisor = ForeignKey(User, on_delete=OnDelete.set_null, null=True, default=None)
    advisor_name = Varchar(length=120, default="")
    reason = Varchar(length=300, default="", help_text="What the customer comes for")
    reminder_sent_at = Timestamptz(null=True, default=None)
    confirmed_at = Timestamptz(null=True, default=None)
    confirmed_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True, default=None)
    confirmation_comment = Text(default="")
    arrived_at = Timestamptz(null=True, default=None)
    repair_order = ForeignKey(RepairOrder, on_delete=OnDelete.set_null, null=True, default=None,
                              help_text="The repair order opened when the vehicle arrived")
    check_in_source = Varchar(length=10, choices=CheckInSource, default=CheckInSource.none)
    cancelled_at = Timestamptz(null=True, default=None)
    created_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    version = Integer(default=1)


class LeadKind(str, Enum):
    tech_session = "tech_session"
    test_drive = "test_drive"


class Lead(Table):
    """What a call turned up for someone else: a technology session for the specialist, a test drive for sales."""

    branch = ForeignKey(Branch, on_delete=OnDelete.cascade, null=False)
    kind = Varchar(length=20, choices=LeadKind)
    customer = ForeignKey(Customer, on_delete=OnDelete.cascade, null=False)
    vehicle = ForeignKey(Vehicle, on_delete=OnDelete.set_null, null=True, default=None)
    opportunity = ForeignKey(Opportunity, on_delete=OnDelete.set_null, null=True, default=None)
    appointment = ForeignKey(Appointment, on_delete=OnDelete.set_null, null=True, default=None)
    model_of_interest = Varchar(length=120, default="")
    created_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    sent_at = Timestamptz(null=True, default=None, help_text="When it went out in the day's list")


class ContactAttempt(Table):
    """One call, message or letter to a customer, whatever list it came from."""

    branch = ForeignKey(Branch, on_delete=OnDelete.restrict, null=False)
    customer = ForeignKey(Customer, on_delete=OnDelete.restrict, null=False)
    purpose = Varchar(length=14, choices=AttemptPurpose, default=AttemptPurpose.opportunity)
    opportunity = ForeignKey(Opportunity, on_delete=OnDelete.cascade, null=True, default=None)
    delivery = ForeignKey(Delivery, on_delete=OnDelete.cascade, null=True, default=None)
    repair_order = ForeignKey(RepairOrder, on_delete=OnDelete.cascade, null=True, default=None)
    appointment = ForeignKey(Appointment, on_delete=OnDelete.cascade, null=True, default=None)
    channel = Varchar(length=10, choices=Channel, default=Channel.phone)
    outcome = ForeignKey(CallOutcome, on_delete=OnDelete.set_null, null=True, default=None)
    reached = Boolean(default=False)
    time_slot = Varchar(length=10, choices=TimeSlot, default=TimeSlot.morning)
    comment = Text(default="")
    user = ForeignKey(User, on_delete=OnDelete.set_null, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


# --- plumbing ----------------------------------------------------------------


class AuditEvent(Table):
    """Who did what, before → after. Written in the same transaction as the change."""

    dealer = ForeignKey(Dealer, on_delete=OnDelete.set_null, null=True, default=None)
    branch = ForeignKey(Branch, on_delete=OnDelete.set_null, null=True, default=None)
    user = ForeignKey(User, on_delete=OnDelete.set_null, null=True, default=None)
    username = Varchar(length=60, default="", help_text="Kept when the user row goes, and for unknown names")
    action = Varchar(length=60, help_text="e.g. auth.sign_in, opportunity.discard")
    entity = Varchar(length=40, default="")
    entity_id = Integer(null=True, default=None)
    before = JSON(null=True, default=None)
    after = JSON(null=True, default=None)
    ip = Varchar(length=64, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class OutboxMessage(Table):
    """Anything sent to a customer or a user; written with the change that caused it,
    delivered once by the job worker."""

    branch = ForeignKey(Branch, on_delete=OnDelete.restrict, null=True, default=None)
    customer = ForeignKey(Customer, on_delete=OnDelete.set_null, null=True, default=None)
    channel = Varchar(length=10, choices=Channel, default=Channel.email)
    recipient = Varchar(length=200)
    subject = Varchar(length=300, default="")
    body_text = Text(default="")
    body_html = Text(default="")
    status = Varchar(length=10, choices=OutboxStatus, default=OutboxStatus.pending)
    attempts = Integer(default=0)
    last_error = Text(default="")
    dedupe_key = Varchar(length=120, null=True, default=None, unique=True)
    entity = Varchar(length=40, default="")
    entity_id = Integer(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    claimed_at = Timestamptz(null=True, default=None, help_text="When a worker took it to send")
    sent_at = Timestamptz(null=True, default=None)


class SyncSource(Table):
    """Where the scheduled sync picks up the DMS's export files: a folder or an HTTP(S) URL."""

    branch = ForeignKey(Branch, on_delete=OnDelete.cascade, null=False)
    kind = Varchar(length=20, choices=ImportKind)
    name = Varchar(length=120, default="")
    location = Varchar(length=500, help_text="A folder on the server, or an http(s):// URL of one file")
    every_minutes = Integer(default=60)
    active = Boolean(default=True)
    last_run_at = Timestamptz(null=True, default=None)
    last_status = Varchar(length=300, default="")
    created_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    version = Integer(default=1)


class ImportJob(Table):
    """One import (a file, an API batch or a sync run) and its report."""

    branch = ForeignKey(Branch, on_delete=OnDelete.restrict, null=False)
    kind = Varchar(length=20, choices=ImportKind)
    source = Varchar(length=10, choices=ImportSource, default=ImportSource.file)
    filename = Varchar(length=255, default="")
    digest = Varchar(length=64, default="", help_text="SHA-256 of the file: the same file again is recognised")
    status = Varchar(length=10, choices=ImportStatus, default=ImportStatus.queued)
    total_rows = Integer(default=0)
    processed_rows = Integer(default=0)
    created_count = Integer(default=0)
    updated_count = Integer(default=0)
    unchanged_count = Integer(default=0)
    rejected_count = Integer(default=0)
    flagged_count = Integer(default=0, help_text="Rows kept with a value flagged (phone, VIN digit, tax id)")
    errors = JSON(default=[], help_text="Rejected rows: line, column, value, reason")
    flags = JSON(default=[], help_text="Flagged values (the first few hundred)")
    skipped = JSON(default=[], help_text="Lines skipped on purpose: title and totals rows")
    message = Varchar(length=500, default="", help_text="Why the whole import failed, in Spanish")
    mapping = JSON(default={}, help_text="field name → header of the file")
    headers = JSON(default=[], help_text="The file's header row, for the mapping screen")
    preview = JSON(default=[], help_text="The first rows as read, for the mapping screen")
    cancel_requested = Boolean(default=False)
    sync_source = ForeignKey(SyncSource, on_delete=OnDelete.set_null, null=True, default=None)
    created_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    started_at = Timestamptz(null=True, default=None)
    finished_at = Timestamptz(null=True, default=None)


class ImportFile(Table):
    """The uploaded bytes, kept in the database so a worker process on any host can read them;
    deleted when the import ends."""

    job = ForeignKey(ImportJob, on_delete=OnDelete.cascade, null=False, unique=True)
    content = Bytea()


class ImportMapping(Table):
    """The column mapping a branch confirmed for a kind of file, suggested next time."""

    branch = ForeignKey(Branch, on_delete=OnDelete.cascade, null=False)
    kind = Varchar(length=20, choices=ImportKind)
    mapping = JSON(default={}, help_text="field name → header of the file")
    updated_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True, default=None)
    updated_at = Timestamptz(default=TimestamptzNow())


class ApiKey(Table):
    """A DMS's key to one branch's ingestion API. Only the key's SHA-256 is kept
    (the key is 256 random bits, so a slow password hash adds nothing)."""

    branch = ForeignKey(Branch, on_delete=OnDelete.cascade, null=False)
    name = Varchar(length=120, default="")
    prefix = Varchar(length=16, help_text="The key's first characters, shown in lists to tell keys apart")
    key_hash = Varchar(length=64, unique=True, secret=True)
    created_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class ApiIdempotency(Table):
    """The answer given to a request with an Idempotency-Key, replayed when it comes again."""

    api_key = ForeignKey(ApiKey, on_delete=OnDelete.cascade, null=False)
    key = Varchar(length=200)
    request_hash = Varchar(length=64)
    status_code = Integer(default=200)
    response = JSON(default={})
    created_at = Timestamptz(default=TimestamptzNow())


class DisplayToken(Table):
    """A reception TV's link, /pantalla/{token}: one branch's arrivals of the day and nothing else.
    Shown once, kept as its SHA-256, revocable."""

    branch = ForeignKey(Branch, on_delete=OnDelete.cascade, null=False)
    name = Varchar(length=120, default="", help_text="Where the TV is, e.g. Recepción planta baja")
    prefix = Varchar(length=12, help_text="The token's first characters, to tell links apart in lists")
    token_hash = Varchar(length=64, unique=True)
    created_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    revoked_at = Timestamptz(null=True, default=None)
    last_seen_at = Timestamptz(null=True, default=None)
