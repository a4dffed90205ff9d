"""教代会提案 demo data: for every demo school, the 6th term's 2nd meeting (2025, closed to new
motions, its motions far along) and 3rd meeting (2026, open, motions in every state), with
co-signers, assignments, replies, ratings, milestones, votes on the 2025 resolutions and each
motion's full history, every step from the draft to where it stands now.

The first school (MH01, the demo accounts' school) holds about fifty motions written out in
`FIRST_SCHOOL_PLANS`; the others a dozen drawn at random. The texts and the story of one
motion (`MotionLife`) are shared with the scale generator. Deterministic: a fixed seed.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session

from db.models import Account, CongressTerm, DelegateMembership, School
from db.motions import (
    CongressMeeting,
    CongressVote,
    Motion,
    MotionAssignment,
    MotionCosigner,
    MotionEvent,
    MotionMilestone,
    MotionRating,
    MotionReply,
)
from seeds.demo import SEED, UTC_OFFSET, first_free_id, sync_id_sequences
from services.org import DEFAULT_DEPARTMENTS

MOTIONS_LAST_DAY = dt.date(2026, 11, 24)
MOTIONS_TODAY = MOTIONS_LAST_DAY + dt.timedelta(days=1)  # "overdue" is against this day
TERM_NUMBER = 6
# The 6th term's meetings: number, year, the day it sat, still open to new motions.
MEETINGS = ((2, 2025, dt.date(2025, 4, 18), False), (3, 2026, dt.date(2026, 4, 17), True))
REPLY_DAYS = 30


# --- texts ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Topic:
    """What staff congresses ask about, with what a lead department answers and does."""

    key: str
    short: str                   # the matter in a few words, for generic sentences
    category: str
    lead: str                    # the department that usually leads
    co: tuple[str, ...]          # and those that help
    titles: tuple[str, str]      # two wordings: near-duplicates for similar-motion search
    reasons: tuple[str, str]
    suggestions: tuple[str, str]
    solved: str                  # reply when it is solved
    planned: str                 # reply when it is planned
    milestones: tuple[str, str, str]


TOPICS: tuple[Topic, ...] = (
    Topic("canteen", "教工食堂改进", "welfare", "总务处", ("财务室",),
          ("关于改善教工食堂伙食质量的提案",
           "关于进一步提高教职工食堂饭菜质量和服务水平的提案"),
          ("教工食堂菜品品种少、口味单一，近期价格上涨而分量减少，不少老师中午改点外卖，"
           "既不安全也影响午休。",
           "近一年来教职工对食堂意见较多：菜品重复、油盐偏重，饭菜涨价没有公示，"
           "晚自习老师的晚餐供应时间过早。"),
          ("成立有教职工代表参加的伙食管理委员会，每月收集意见；每周公示菜谱和价格，"
           "增加菜品种类；为晚自习教师提供晚餐。",
           "建立伙食委员会定期巡查制度，每学期开展一次满意度测评，测评结果与承包方考核挂钩；"
           "公开食材采购价格。"),
          "总务处已牵头成立伙食管理委员会（含教职工代表5名），每周一公示菜谱和价格，新增面点"
          "窗口和两个素菜，晚自习教师晚餐已于本月起供应。",
          "学校已将食堂改造列入明年计划；本学期先行公示菜谱和价格，每月开展满意度调查，"
          "承包合同到期后把满意度纳入考核。",
          ("伙食管理委员会成立并召开第一次会议", "每周菜谱和价格在食堂门口及教工群公示",
           "满意度测评完成，满意率较上学期明显提高")),
    Topic("title_review", "职称推荐办法修订", "staff", "人事处", ("校长办公室",),
          ("关于完善职称评审校内推荐办法的提案", "关于提高职称评审校内推荐透明度的提案"),
          ("校内职称推荐的量化赋分细则多年未修订，班主任年限、支教经历赋分偏低，部分长期在一线的"
           "老教师多次申报未能推荐，意见较大。",
           "职称推荐名额少、竞争大，但推荐过程和赋分结果公示不充分，落选教师不清楚自己差在哪里。"),
          ("修订校内推荐量化细则，提高班主任年限和教学实绩的权重，修订稿提交教代会审议；"
           "推荐结果及各项得分全部公示。",
           "成立有一线教师代表参加的推荐评议小组，公开赋分细则和每位申报人的得分，设立申诉渠道。"),
          "人事处已修订《职称评审校内推荐量化赋分办法》，提高班主任年限和教学实绩权重，经教代会"
          "代表组长会议讨论通过，今年起执行，推荐得分全部公示五个工作日。",
          "量化细则修订稿已起草，下学期初征求全体教职工意见后提交教代会审议；今年推荐先行公示"
          "全部得分。",
          ("修订稿起草完成，发各教研组征求意见", "修订稿经教代会代表组长会议讨论通过",
           "新办法用于本年度推荐，得分公示无异议")),
    Topic("after_school_pay", "课后服务补贴发放", "welfare", "教务处", ("财务室",),
          ("关于规范课后服务补贴发放的提案", "关于按时足额发放课后服务补贴并公开标准的提案"),
          ("课后服务开展以来，补贴发放时间不固定，有的月份发了有的月份没发，标准和计算方法"
           "也没有公开，承担课后服务多的老师意见较大。",
           "课后服务补贴按课时统计，但统计口径各年级不一致，延时看护和社团辅导补贴标准不同，"
           "老师们不清楚自己应得多少。"),
          ("制定课后服务补贴发放办法，明确标准、统计口径和发放时间，按月发放并在校内公示明细。",
           "统一各年级课时统计口径，每月公示课后服务安排和补贴明细，做到按月足额发放。"),
          "教务处会同财务室制定了《课后服务补贴发放办法》，统一统计口径，每月10日前发放上月补贴，"
          "明细在校内公示栏公示，已补发此前欠发部分。",
          "发放办法已起草，待区教育局课后服务经费拨付标准明确后正式执行；在此之前每月公示课时"
          "统计结果。",
          ("发放办法起草完成并征求意见", "统一课时统计口径，首次公示月度明细",
           "欠发补贴全部补发到位")),
    Topic("health_check", "教职工体检", "welfare", "人事处", ("财务室", "校长办公室"),
          ("关于增加教职工年度体检项目的提案", "关于优化教职工体检项目和安排的提案"),
          ("目前每年体检只有基础项目，教师职业病如咽喉炎、颈椎病、静脉曲张没有针对性检查，"
           "女教职工的专项检查也没有安排。",
           "体检集中安排在工作日上午，老师们要调课才能去，项目多年不变，40岁以上教职工希望"
           "增加肿瘤筛查等项目。"),
          ("增加颈椎、咽喉和甲状腺检查，为女教职工安排乳腺和妇科专项检查；按年龄段设置套餐。",
           "体检安排在周末或假期，按年龄段设置可选项目，体检结果由医院专人解读。"),
          "经学校研究并与体检医院协商，今年起体检增加颈椎、甲状腺彩超和咽喉检查，女教职工增加"
          "乳腺、妇科专项，体检安排在寒假前两周的周末。",
          "学校将在明年预算中增加体检经费，按年龄段设置可选套餐；今年先为女教职工增加专项检查。",
          ("与体检医院签订新套餐协议", "完成全体教职工体检，女教职工专项检查覆盖率100%",
           "医院专家来校解读体检报告")),
    Topic("parking", "教职工停车", "logistics", "总务处", ("校长办公室",),
          ("关于解决教职工停车难问题的提案", "关于合理规划校内停车位、缓解停车难的提案"),
          ("学校车位只有40个，开车上班的教职工近80人，早上来晚了只能停在校外路边，经常被贴罚单，"
           "也影响周边交通。",
           "校内停车无序，外来车辆随意停放，教职工反而没有车位；接送学生高峰时校门口拥堵。"),
          ("重新规划校内停车区域，增设车位；与附近小区或单位协商错时共享停车位。",
           "实行教职工车辆登记和外来车辆预约制度，合理划线增加车位，协调周边错时停车。"),
          "总务处已重新划线，利用操场北侧空地新增车位32个；与东侧商务楼签订错时停车协议，"
          "教职工可在工作日免费停放，外来车辆实行预约登记。",
          "学校已就操场北侧改建停车场申请区教育局立项，预计明年暑假施工；其间先实行外来车辆"
          "预约登记。",
          ("校内车位重新划线，新增车位投入使用", "与周边单位错时停车协议签订",
           "外来车辆预约登记系统上线")),
    Topic("workload", "教师减负", "teaching", "教务处", ("校长办公室",),
          ("关于切实减轻教师非教学负担的提案", "关于精简各类检查填报、为教师减负的提案"),
          ("各类检查、评比、调查问卷和台账填报名目繁多，同一材料要按不同格式反复报送，挤占了"
           "老师们备课、批改作业和辅导学生的时间。",
           "非教学任务进校园现象突出：安全教育平台打卡、各类App学习积分、社会事务摊派，都落到"
           "班主任和任课教师身上。"),
          ("清理规范进校园事项，统一材料模板，同一材料只报一次；非教学任务实行审批备案。",
           "建立进校园事项清单和准入制度，清单外事项一律不布置给教师；统一台账，减少重复填报。"),
          "学校已制定进校园事项清单，清单外事项须经校长办公会审批；教务处统一了12类材料模板，"
          "同一材料只报一次，本学期各类填报减少约四成。",
          "学校正在梳理进校园事项清单，下学期开学前印发；涉及上级部门的填报已向区教育局反映。",
          ("进校园事项清单梳理完成", "统一材料模板印发，各类台账合并",
           "期末调查显示教师非教学任务明显减少")),
    Topic("safety", "校园安全", "logistics", "总务处", ("学生处",),
          ("关于加强校园安全防范设施建设的提案", "关于完善校园安防设施和门卫管理的提案"),
          ("校园监控有多处盲区，部分摄像头老化看不清；围墙东侧有缺口，晚自习后照明不足，"
           "存在安全隐患。",
           "门卫人员年龄偏大，来访登记流于形式，校门口上下学时段秩序混乱，安防设施多年未更新。"),
          ("更新监控设备、消除盲区，修复围墙缺口，增加路灯；加强门卫培训和来访登记。",
           "配备专职保安，完善来访登记和人脸识别门禁，定期开展安全演练。"),
          "总务处已更换监控探头26个并新增8个，消除盲区；东侧围墙修复完毕，新增路灯12盏；门卫"
          "实行来访登记和电话核实制度。",
          "安防升级方案已报区教育局，列入明年校舍维修计划；本学期先修复围墙、增加照明。",
          ("围墙缺口修复、照明增设完成", "监控设备更新安装并验收", "开展全校安全疏散演练")),
    Topic("library", "图书室建设", "teaching", "教务处", ("总务处",),
          ("关于加强学校图书室建设的提案", "关于更新图书室藏书、延长开放时间的提案"),
          ("学校图书室藏书陈旧，近五年新书很少，开放时间只有午休一小时，学生和老师借阅都不方便，"
           "阅读活动难以开展。",
           "图书室面积小、座位少，电子阅览设备老化，教师专业书籍几乎没有，课后时段不开放。"),
          ("每年安排专项经费更新图书，增加教师专业书籍；延长开放时间，课后服务时段开放。",
           "改造图书室、增设阅读角和教师书架，征集师生书目，配备专人管理。"),
          "教务处已安排专项经费采购新书3200册（含教师专业书籍400册），图书室课后服务时段开放，"
          "各楼层增设班级阅读角。",
          "图书室改造已列入明年暑期维修项目；本学期先增购新书并延长开放时间。",
          ("征集师生书目，完成新书采购", "图书室课后时段开放，配备管理员", "班级阅读角全部建成")),
    Topic("office_ac", "办公室空调维修", "logistics", "总务处", ("财务室",),
          ("关于更换教师办公室老旧空调的提案", "关于及时维修办公室空调和饮水设备的提案"),
          ("多间教师办公室空调使用超过十年，夏天不制冷、冬天不制热，报修多次仍未解决，"
           "老师们在办公室无法正常备课。",
           "办公室空调和饮水机故障报修后响应慢，有的拖了一个多月，影响教师正常工作。"),
          ("对使用超过八年的空调统一更换；建立报修登记和限时维修制度。",
           "建立后勤报修台账，一般故障三天内修复，每学期公布报修办结情况。"),
          "总务处已更换办公室空调18台，建立网上报修和限时办结制度，一般故障48小时内修复。",
          "空调更换已列入明年设备采购计划，今年先对故障空调逐台检修。",
          ("完成办公室空调逐台检修", "新空调采购安装完毕", "网上报修平台启用")),
    Topic("meetings", "精简会议", "governance", "校长办公室", ("教务处",),
          ("关于精简会议、提高会议效率的提案", "关于减少例会次数、改进会议方式的提案"),
          ("每周例会、年级会、教研会较多，很多内容发个通知就可以，会议时间常占用课后辅导时间。",
           "会议多、时间长，部分会议与教学无关却要求全员参加，老师们疲于应付。"),
          ("合并同类会议，一般事项改为书面通知；每次会议控制在四十分钟以内。",
           "建立会议审批制度，控制会议数量和时长，全体会议每月不超过一次。"),
          "学校已合并例会和年级会，一般事项改为书面通知，全体教师会每月一次，时长控制在四十分钟。",
          "校长办公会已讨论会议精简方案，下学期起实行会议计划审批。",
          ("会议精简方案经校长办公会通过", "例会、年级会合并实施", "期末评估会议数量减少三成")),
    Topic("performance_pay", "绩效工资分配", "staff", "人事处", ("财务室",),
          ("关于完善绩效工资分配方案的提案", "关于绩效工资分配向一线教师倾斜的提案"),
          ("现行绩效工资分配方案对班主任、毕业班和超课时教师体现不够，方案修订没有充分征求"
           "教职工意见。",
           "绩效工资考核细则中行政岗位系数偏高，一线教师工作量大但差距体现不出来。"),
          ("修订绩效工资分配方案，向班主任和一线教师倾斜，修订稿提交教代会审议通过后实施。",
           "公开绩效考核细则和分配结果，超课时按实际课时计发。"),
          "人事处已修订绩效工资分配方案，提高班主任和超课时系数，经教代会表决通过，本学年起执行。",
          "分配方案修订稿已征求意见，将提交下次教代会审议。",
          ("修订稿征求全体教职工意见", "方案经教代会表决通过", "按新方案发放首期绩效")),
    Topic("class_teacher", "班主任津贴", "staff", "人事处", ("财务室", "学生处"),
          ("关于提高班主任津贴标准的提案", "关于落实班主任津贴和减轻班主任负担的提案"),
          ("班主任津贴标准多年未调整，与班主任承担的工作量严重不符，年轻教师不愿当班主任。",
           "班主任既要上课又要处理学生管理、家校沟通等大量事务，津贴偏低，工作量没有折算课时。"),
          ("提高班主任津贴标准，班主任工作量折算课时，在评优评先中优先考虑。",
           "调整班主任津贴，设立副班主任协助管理，减少班主任的非教学事务。"),
          "学校已将班主任津贴由每月400元提高到600元，班主任工作量按每周4课时折算。",
          "班主任津贴调整方案已列入明年预算，同时试行副班主任制度。",
          ("津贴调整方案经校长办公会通过", "新标准首月发放", "副班主任制度在七年级试行")),
    Topic("training", "教师培训", "teaching", "教务处", ("人事处",),
          ("关于增加青年教师外出培训机会的提案", "关于完善教师专业培训体系的提案"),
          ("青年教师外出学习、观摩名师课堂的机会很少，培训经费多用于少数骨干教师，"
           "不利于青年教师成长。",
           "校本培训内容重复、形式单一，缺少针对不同教龄教师的分层培训。"),
          ("设立青年教师培训专项经费，每人每年至少一次外出学习；建立师徒结对制度。",
           "按教龄分层设计校本培训内容，邀请教研员和名师来校指导。"),
          "教务处已设立青年教师培训专项，本学年安排36人次外出学习，师徒结对覆盖全部青年教师。",
          "分层培训方案已起草，下学期开始实施。",
          ("师徒结对协议签订", "青年教师外出学习完成第一批", "分层校本培训课程表印发")),
    Topic("rest_room", "教师休息室", "welfare", "总务处", ("校长办公室",),
          ("关于设立教职工休息室和母婴室的提案", "关于为教职工提供午休场所的提案"),
          ("学校没有教职工休息场所，中午老师们只能趴在办公桌上休息；哺乳期女教职工也没有"
           "合适的地方。",
           "教师午休条件差，办公室人多嘈杂，下午连上几节课非常疲惫。"),
          ("利用空余教室设立教职工休息室和母婴室，配备沙发、躺椅、冰箱等设施。",
           "为每间办公室配备折叠午休床，开放一间会议室作为午休室。"),
          "总务处已将三楼一间教室改建为教职工休息室，另设母婴室一间，配齐沙发、冰箱和消毒设备。",
          "学校将在明年教学楼改造时统筹设置教职工休息室，今年先配备折叠午休床。",
          ("选定场地并完成设计", "休息室和母婴室装修完工", "休息室正式开放")),
    Topic("evening_duty", "晚自习值班安排", "teaching", "教务处", ("学生处",),
          ("关于合理安排晚自习值班的提案", "关于公开晚自习和课后服务排班规则的提案"),
          ("晚自习值班排班不均，有的老师一周四个晚上，有的一次都没有；值班补贴也偏低。",
           "课后服务和晚自习排班没有公开规则，家庭有困难的老师无法调整。"),
          ("制定公开的排班规则，按工作量均衡排班，提高值班补贴，允许有特殊困难的教师申请调整。",
           "每月公示排班表，建立换班登记制度。"),
          "教务处已制定晚自习排班办法，按学科和工作量均衡安排，排班表每月公示，值班补贴每晚"
          "提高到80元。",
          "排班办法已起草，下学期开学起执行。",
          ("排班办法征求意见", "排班表每月公示", "值班补贴新标准发放")),
    Topic("equipment", "多媒体设备更新", "teaching", "总务处", ("教务处",),
          ("关于更新教室多媒体设备的提案", "关于更换老旧教学一体机的提案"),
          ("部分教室的投影仪和电脑已使用十年以上，画面模糊、经常死机，严重影响课堂教学。",
           "教学一体机老化，网速慢，课件打不开，老师们只能自带电脑。"),
          ("分批更换使用超过八年的多媒体设备，提升校园网带宽。",
           "建立设备巡检制度，故障当天响应，三年内完成全部设备更新。"),
          "总务处已更换教学一体机24台，校园网带宽提升至1000M，建立设备巡检制度。",
          "设备更新列入三年计划，今年先更换故障率最高的12台。",
          ("设备更新计划报批", "首批一体机安装调试完毕", "校园网带宽升级完成")),
    Topic("research_time", "教研时间", "teaching", "教务处", ("校长办公室",),
          ("关于保障教研活动时间的提案", "关于调整教研活动时间安排的提案"),
          ("教研活动经常被临时会议和检查挤占，中午时间开展教研，老师们下午上课很疲惫。",
           "集体备课时间无法保证，同学科教师课表冲突，难以集中研讨。"),
          ("固定每周半天为学科教研时间，排课时予以保障，不安排其他活动。",
           "排课时统一同学科教师的空课时间，教研活动调整到下午课后。"),
          "教务处已在课表中为各学科固定教研时间，期间不安排其他会议和活动。",
          "下学期排课将统筹安排各学科教研时间。",
          ("新课表固定教研时间", "教研活动按时开展率达95%", "期末教研成果展示")),
    Topic("retired", "退休教职工关爱", "other", "人事处", ("校长办公室",),
          ("关于加强退休教职工关爱工作的提案", "关于完善退休教职工慰问制度的提案"),
          ("学校退休教职工逐年增多，高龄、独居、患病的老同志需要更多关心，目前只有春节慰问。",
           "退休教职工参加学校活动的机会少，与学校联系不紧密。"),
          ("建立退休教职工联络员制度，重阳节、春节走访慰问，高龄患病老同志重点帮扶。",
           "每年组织一次退休教职工返校活动，建立退休教职工信息档案。"),
          "学校已建立退休教职工联络员制度，每名联络员联系5名老同志，重阳节组织返校活动。",
          "退休教职工信息档案正在建立，明年起组织年度返校活动。",
          ("联络员名单确定", "重阳节返校活动举办", "退休教职工档案建立完成")),
    Topic("school_gate", "校门口交通", "logistics", "学生处", ("总务处",),
          ("关于改善校门口上下学交通秩序的提案", "关于协调交警维护校门口交通安全的提案"),
          ("上下学时段校门口车辆乱停、人车混行，存在很大安全隐患，值勤老师压力很大。",
           "学校门口路口没有红绿灯，早晚高峰学生过马路很危险。"),
          ("协调交警在上下学时段值勤，设置临时停车区和接送等候区，组织家长志愿者护学。",
           "向交通部门申请在路口设置信号灯和减速带。"),
          "学生处已协调交警中队在上下学时段派员值勤，设置接送等候区，家长志愿者护学岗每天上岗。",
          "信号灯设置申请已报交通部门，预计明年上半年安装。",
          ("家长志愿者护学岗成立", "接送等候区划设完成", "路口信号灯安装")),
    Topic("kids_care", "教职工子女托管", "welfare", "校长办公室", ("学生处",),
          ("关于为教职工子女提供课后托管的提案", "关于解决教职工子女假期看护难的提案"),
          ("不少青年教师孩子年幼，放学后和寒暑假无人照看，教师又要承担课后服务和晚自习。",
           "双职工教师家庭子女放学早，教师下班晚，接送和看护困难。"),
          ("利用学校场地为教职工子女开设课后托管班，寒暑假开设爱心托管。",
           "与周边学校或社区合作，为教职工子女提供托管服务。"),
          "学校已开设教职工子女课后托管班，安排专人看护，暑假开设为期四周的爱心托管班。",
          "托管方案已征求意见，将于下学期开学后试行。",
          ("托管需求摸底调查完成", "托管班开班", "暑期爱心托管班举办")),
    Topic("activities", "教职工文体活动", "other", "校长办公室", ("人事处",),
          ("关于丰富教职工文体活动的提案", "关于开放学校体育场馆供教职工锻炼的提案"),
          ("教职工工作压力大，学校文体活动少，体育馆下班后不对教职工开放。",
           "教职工缺少锻炼场所和集体活动，身体亚健康状况较多。"),
          ("成立教职工羽毛球、瑜伽等兴趣社团，体育馆下班后对教职工开放，每年举办一次运动会。",
           "每学期组织一次教职工集体活动，添置健身器材。"),
          "学校已成立羽毛球、瑜伽、合唱三个教职工社团，体育馆工作日下班后对教职工开放。",
          "教职工活动室建设已列入明年计划，今年先开放体育馆。",
          ("教职工社团成立", "体育馆对教职工开放", "教职工趣味运动会举办")),
    Topic("open_affairs", "校务公开", "governance", "校长办公室", (),
          ("关于进一步落实校务公开的提案", "关于及时更新校务公开栏的提案"),
          ("校务公开栏很久没有更新，学校的重大事项、经费使用等老师们大多是听说的。",
           "涉及教职工切身利益的事项没有经过教代会讨论就执行，校务公开不及时。"),
          ("制定校务公开目录，重大事项提交教代会审议，公开栏每月更新。",
           "利用校园网和教工群及时公开评优评先、经费使用等事项。"),
          "学校已制定校务公开目录，公开栏每月更新，评优评先和经费使用在教工群同步公开。",
          "校务公开目录正在制定，下学期起实施。",
          ("校务公开目录印发", "公开栏改版并每月更新", "教代会审议重大事项制度落实")),
    Topic("work_chat", "下班后工作群", "governance", "校长办公室", ("教务处",),
          ("关于规范工作群使用、保障教师休息权的提案", "关于减少下班后工作群通知的提案"),
          ("工作群晚上十点以后还在布置任务，周末也要随时回复，老师们得不到休息。",
           "各类工作群过多，同一通知在多个群重复发，要求接龙回复，干扰正常生活。"),
          ("规定下班后和节假日非紧急事项不在工作群发布，精简工作群数量。",
           "制定工作群使用规范，通知统一由一个群发布，不要求接龙。"),
          "学校已印发工作群使用规范：晚上八点后和节假日非紧急事项不发布，工作群由23个精简为6个。",
          "工作群使用规范已起草，下周行政会讨论后印发。",
          ("规范起草并征求意见", "规范印发，工作群精简", "期末回访教职工满意")),
    Topic("dorm", "青年教师宿舍", "logistics", "总务处", ("人事处",),
          ("关于改善青年教师周转宿舍条件的提案", "关于维修青年教师宿舍热水和网络设施的提案"),
          ("青年教师宿舍热水器经常坏，网络信号差，房间漏水，报修后长期无人处理。",
           "新入职教师增多，周转宿舍不够，部分老师只能在校外租房，负担较重。"),
          ("全面检修宿舍设施，更换热水器，接入校园网；统筹增加周转宿舍。",
           "为在校外租房的青年教师发放租房补贴。"),
          "总务处已更换宿舍热水器16台，修复漏水，宿舍接入校园网；新增周转房4间。",
          "宿舍改造已列入明年暑期维修计划，租房补贴方案正在研究。",
          ("宿舍设施全面检修", "热水器更换和网络接入完成", "新增周转房交付使用")),
)
TOPICS_BY_KEY = {topic.key: topic for topic in TOPICS}

LIMITED_REPLY = ("经学校研究，{short}需要较多经费和场地条件，目前暂不具备全面实施的条件。学校已将"
                 "其列入中长期规划，并将积极向区教育局争取支持，条件具备后优先安排。")
DECLINE_NOTES = ("对该问题了解不多，暂不附议。", "本人另有同类提案，不再附议。", "")
REVISION_NOTES = ("请补充具体的建议和办法，并说明涉及的教职工范围。",
                  "案由过于笼统，请聚焦一个问题，并补充现状数据。")
WITHDRAW_NOTES = ("问题已通过其他渠道解决，主动撤回。", "与其他代表的提案重复，撤回。", "")
REJECT_REASONS = ("所提事项属于个人诉求，不属于提案范围，建议通过工会意见箱反映。",
                  "所提问题涉及上级政策，学校层面无法办理，不予立案，已向区教育工会反映。",
                  "提案内容不够具体，缺少可操作的建议和办法。")
SUGGESTION_NOTES = ("内容属于工作建议，转有关部门参考。", "不符合立案条件，作为意见建议处理。")
RETURN_REASON = "该事项不属于本部门职责，申请退回，建议改由{lead}主办。"
SEND_BACK_NOTES = ("答复未回应提案中的第二条建议，请补充具体措施和时间。",
                   "答复过于笼统，请说明落实的时间安排和责任人。")
RATING_COMMENTS = {
    "satisfied": ("答复及时，措施具体，满意。", "问题已解决，感谢承办部门。", ""),
    "basically": ("基本满意，希望加快落实进度。", "答复认真，但部分建议尚未采纳。", ""),
    "unsatisfied": ("答复只讲困难，没有具体措施，不满意。", "问题仍未解决，希望再研究。"),
}
REOPEN_NOTES = ("代表不满意，请承办部门重新研究办理。", "请与提案人当面沟通后再次答复。")
DEFER_REASONS = ("受今年经费限制，列入明年预算后再行落实。",
                 "涉及校舍改造，须待区教育局立项批复后实施。")
DONE_NOTES = ("各项措施已落实到位。", "经提案人确认，已落实。", "")
CLOSE_NOTES = ("办结归档。", "已在教代会提案办理情况报告中通报，办结。", "")
VOTE_SUBJECTS = ("学校工作报告", "学校财务工作报告", "教职工绩效工资分配方案（修订）",
                 "职称评审校内推荐量化赋分办法（修订）", "提案工作委员会关于提案办理情况的报告")
# A one-page PDF as the evidence of one milestone.
EVIDENCE_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
                b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
                b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
                b"trailer<</Root 1 0 R>>\n%%EOF\n")


# --- one motion's story ---------------------------------------------------------------------

Person = tuple[int | None, str]  # account id (None: nobody with an account), name shown


@dataclass(frozen=True)
class Plan:
    """Where a motion's story ends and what happens on the way, written as
    "state[/via][+twist…]": "closed/done+reopened" was reopened once, done, then closed.

    Twists: revised (returned for revision, a draft again), early (withdrawn while
    collecting co-signers), overdue (past its deadline while assigned or handling),
    return_requested (the department asks to return it), reassigned (returned and sent to
    another department), sent_back (the first reply sent back), late (replied after the
    deadline), reopened (rated 不满意 and handled again), unsatisfied (rated 不满意)."""

    state: str
    via: str = ""
    twists: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, text: str) -> Plan:
        head, *twists = text.split("+")
        state, _, via = head.partition("/")
        return cls(state, via, frozenset(twists))

    @property
    def end(self) -> str:
        """The state the story runs to before a final close."""
        return self.via or self.state


@dataclass
class Cast:
    """Who acts on one school's motions: the proposal committee's chair and, per department
    name, its id and its head."""

    chair: Person
    departments: dict[str, tuple[int, Person]]


@dataclass(frozen=True)
class MeetingFacts:
    id: int
    school_id: int
    year: int
    current: bool      # the open meeting, motions at every stage; else all far along
    reply_days: int = REPLY_DAYS


# Where each state's story starts in the current meeting's year (month, day), so that it
# reaches that state by MOTIONS_LAST_DAY and the open ones are overdue only when meant to be.
_CURRENT_STARTS: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {
    "draft": ((11, 2), (11, 22)), "cosigning": ((11, 4), (11, 20)),
    "submitted": ((11, 6), (11, 16)), "registered": ((10, 28), (11, 6)),
    "suggestion": ((10, 20), (11, 6)), "withdrawn": ((3, 2), (11, 10)),
    "assigned": ((10, 24), (11, 4)), "handling": ((10, 12), (10, 24)),
    "replied": ((8, 20), (10, 10)), "awaiting_rating": ((7, 15), (9, 20)),
    "rated": ((6, 1), (8, 25)), "implementing": ((3, 2), (6, 20)),
}
_OVERDUE_STARTS = ((6, 15), (9, 5))
_EARLY_STARTS = ((2, 20), (4, 5))   # before the meeting sits in April


def start_of(rng: random.Random, plan: Plan, year: int, current: bool) -> dt.datetime:
    """When the proposer starts writing, in local time."""
    if not current:
        window = _EARLY_STARTS
    elif "overdue" in plan.twists:
        window = _OVERDUE_STARTS
    elif "reopened" in plan.twists:
        window = _EARLY_STARTS
    else:
        window = _CURRENT_STARTS.get(plan.end, _EARLY_STARTS)
    (m1, d1), (m2, d2) = window
    first, last = dt.date(year, m1, d1), dt.date(year, m2, d2)
    day = first + dt.timedelta(days=rng.randrange((last - first).days + 1))
    return dt.datetime.combine(day, dt.time(rng.randint(8, 20), rng.randrange(60)))


def utc(local: dt.datetime) -> dt.datetime:
    return local - UTC_OFFSET


class MotionLife:
    """One motion lived step by step as services.motions would record it: the motion's row,
    its co-signers, assignments, replies, ratings, milestones and one event per step, each
    event going from the state the last one left. Times are local until written (UTC)."""

    def __init__(self, rng: random.Random, *, motion_id: int, meeting: MeetingFacts,
                 cast: Cast, proposer: tuple[int, Person],
                 cosigner_pool: Sequence[tuple[int, Person]], topic: Topic, start: dt.datetime,
                 limit: dt.datetime) -> None:
        self.rng, self.id, self.meeting, self.cast = rng, motion_id, meeting, cast
        self.topic = topic
        self.proposer_staff_id, self.proposer = proposer
        self.pool = list(cosigner_pool)
        self.now, self.limit = start, limit
        self.state: str | None = None
        self.registered_at: dt.datetime | None = None
        self.lead: str | None = None
        self.reopens = 0
        self.merged_into: MotionLife | None = None
        self.cosigners: list[dict[str, object]] = []
        self.events: list[dict[str, object]] = []
        self.assignments: list[dict[str, object]] = []
        self.replies: list[dict[str, object]] = []
        self.ratings: list[dict[str, object]] = []
        self.milestones: list[dict[str, object]] = []
        self.row: dict[str, object] = {
            "id": motion_id, "meeting_id": meeting.id, "school_id": meeting.school_id,
            "proposer_staff_id": self.proposer_staff_id, "title": rng.choice(topic.titles),
            "reason": rng.choice(topic.reasons), "suggestion": rng.choice(topic.suggestions),
            "category": topic.category, "state": "draft", "number": None,
            "revision_note": None, "decision_note": None, "merged_into_id": None,
            "lead_department_id": None, "deadline": None, "extent": None, "replied_on": None,
            "rating": None, "reopen_count": 0, "progress": 0, "submitted_on": None,
            "registered_on": None, "assigned_on": None, "done_on": None,
            "created_at": utc(start), "updated_at": utc(start)}

    # -- the clock ------------------------------------------------------------------------
    def wait(self, least: int, most: int) -> None:
        """Some days later (0: minutes later) in office hours, never past the limit."""
        days = self.rng.randint(least, most)
        if days == 0:
            later = self.now + dt.timedelta(minutes=self.rng.randint(3, 90))
        else:
            later = dt.datetime.combine(self.now.date() + dt.timedelta(days=days),
                                        dt.time(self.rng.randint(8, 17), self.rng.randrange(60)))
        if later > self.limit:
            later = max(self.limit, self.now + dt.timedelta(minutes=1))
        self.now = later

    @property
    def today(self) -> dt.date:
        return self.now.date()

    def step(self, action: str, to: str, who: Person, note: str | None = None) -> None:
        self.events.append({"motion_id": self.id, "at": utc(self.now), "account_id": who[0],
                            "actor_name": who[1], "action": action, "from_state": self.state,
                            "to_state": to, "note": note or None})
        self.state = self.row["state"] = to
        self.row["updated_at"] = utc(self.now)

    def head(self, department: str) -> Person:
        return self.cast.departments[department][1]

    # -- the proposer and the co-signers --------------------------------------------------
    def draft(self) -> None:
        self.step("draft", "draft", self.proposer)

    def collect(self, *, enough: bool) -> None:
        """Ask delegates to co-sign; with `enough`, at least two sign (one may decline),
        else at most one has signed yet and the first asked still have to answer."""
        asked = self.pool[:self.rng.randint(2, 4) if enough else self.rng.randint(2, 3)]
        self.wait(0, 2)
        self.step("ask_cosigners", "cosigning", self.proposer,
                  "、".join(p[1] for _, p in asked))
        at = utc(self.now)
        rows = {staff_id: {"motion_id": self.id, "staff_id": staff_id, "status": "requested",
                           "requested_at": at, "signed_at": None} for staff_id, _ in asked}
        self.cosigners.extend(rows.values())
        if enough:
            decliner = asked[-1][0] if len(asked) >= 3 and self.rng.random() < 0.3 else None
            answers = [(s, p, s != decliner) for s, p in asked]
            self.rng.shuffle(answers)
        else:  # the first asked (at MH01 the demo delegates) have not answered yet
            signed = self.rng.randint(0, 1) if len(asked) >= 3 else 0
            answers = [(s, p, True) for s, p in asked[len(asked) - signed:]]
        for staff_id, person, signs in answers:
            self.wait(0, 2)
            if signs:
                rows[staff_id].update(status="signed", signed_at=utc(self.now))
                self.step("cosign", "cosigning", person)
            else:
                rows[staff_id]["status"] = "declined"
                self.step("decline_cosign", "cosigning", person, self.rng.choice(DECLINE_NOTES))

    def submit(self) -> None:
        self.wait(0, 3)
        self.step("submit", "submitted", self.proposer)
        self.row["submitted_on"] = self.today

    def withdraw(self) -> None:
        self.wait(1, 6)
        self.step("withdraw", "withdrawn", self.proposer, self.rng.choice(WITHDRAW_NOTES))

    # -- the committee's review -----------------------------------------------------------
    def review(self, action: str, to: str, note: str | None = None) -> None:
        self.wait(3, 12)
        self.step(action, to, self.cast.chair, note)

    def register(self) -> None:
        self.review("register", "registered")
        self.registered_at = self.now
        self.row["registered_on"] = self.today

    def assign(self, department: str, *, deadline: dt.date | None = None) -> None:
        """Send to a lead department (and the topic's co-departments) with a deadline; a
        second call reassigns, retiring the earlier assignments."""
        self.wait(1, 5)
        for old in self.assignments:
            if old["active"]:
                old["active"] = False
                if old["role"] == "lead":
                    old["status"] = "returned"
        deadline = deadline or self.today + dt.timedelta(days=self.meeting.reply_days)
        co = [name for name in self.topic.co if name != department]
        for role, name in [("lead", department)] + [("co", name) for name in co]:
            self.assignments.append({
                "motion_id": self.id, "department_id": self.cast.departments[name][0],
                "role": role, "status": "assigned", "active": True, "assigned_on": self.today,
                "deadline": deadline, "return_reason": None, "assigned_by": self.cast.chair[0]})
        self.step("assign", "assigned", self.cast.chair,
                  "、".join([department, *co]) + f" · {deadline.isoformat()}")
        self.lead = department
        self.row.update(lead_department_id=self.cast.departments[department][0],
                        deadline=deadline, assigned_on=self.today)

    def active(self, role: str = "lead") -> list[dict[str, object]]:
        return [a for a in self.assignments if a["active"] and a["role"] == role]

    # -- the department -------------------------------------------------------------------
    def request_return(self, right_department: str) -> None:
        assert self.lead is not None
        self.wait(1, 4)
        reason = RETURN_REASON.format(lead=right_department)
        self.active()[0].update(status="return_requested", return_reason=reason)
        self.step("request_return", "assigned", self.head(self.lead), reason)

    def accept(self) -> None:
        assert self.lead is not None
        self.wait(0, 4)
        self.active()[0]["status"] = "accepted"
        self.step("accept", "handling", self.head(self.lead))

    def reply(self, extent: str, *, late: bool = False) -> None:
        assert self.lead is not None
        deadline = self.row["deadline"]
        assert isinstance(deadline, dt.date)
        left = (deadline - self.today).days
        if late:
            self.wait(max(left, 0) + 2, max(left, 0) + 15)
        elif left >= 3:
            self.wait(3, min(left, 25))
        else:  # a second round after the deadline: no faster than a first one
            self.wait(7, 20)
        body = {"solved": self.topic.solved, "planned": self.topic.planned,
                "limited": LIMITED_REPLY.format(short=self.topic.short)}[extent]
        head = self.head(self.lead)
        self.replies.append({"motion_id": self.id, "department_id":
                             self.cast.departments[self.lead][0], "account_id": head[0],
                             "written_on": self.today, "body": body, "extent": extent,
                             "status": "pending", "review_note": None, "at": utc(self.now)})
        self.step("reply", "replied", head)
        self.row["extent"] = extent
        self.row["replied_on"] = self.row["replied_on"] or self.today  # the first reply counts

    def send_back(self) -> None:
        note = self.rng.choice(SEND_BACK_NOTES)
        self.wait(1, 5)
        self.replies[-1].update(status="sent_back", review_note=note)
        self.step("send_back", "handling", self.cast.chair, note)

    def accept_reply(self) -> None:
        self.wait(1, 6)
        self.replies[-1]["status"] = "accepted"
        self.step("accept_reply", "awaiting_rating", self.cast.chair)

    # -- the proposer's rating and the committee's follow-up ------------------------------
    def rate(self, rating: str) -> None:
        self.wait(2, 10)
        comment = self.rng.choice(RATING_COMMENTS[rating])
        self.ratings.append({"motion_id": self.id, "round": len(self.ratings) + 1,
                             "rating": rating, "comment": comment or None,
                             "staff_id": self.proposer_staff_id, "rated_on": self.today,
                             "at": utc(self.now)})
        self.step("rate", "rated", self.proposer, comment)
        self.row["rating"] = rating

    def reopen(self, *, deadline: dt.date | None = None) -> None:
        """A second round with a new deadline, the meeting's reply period unless given."""
        self.wait(2, 8)
        deadline = deadline or self.today + dt.timedelta(days=self.meeting.reply_days)
        lead = self.active()[0]
        lead.update(status="accepted", deadline=deadline)
        self.step("reopen", "handling", self.cast.chair, self.rng.choice(REOPEN_NOTES))
        self.reopens += 1
        self.row.update(reopen_count=self.reopens, deadline=deadline)

    def implement(self) -> None:
        self.wait(3, 12)
        self.step("implement", "implementing", self.cast.chair)

    def record_progress(self, progress: int, note: str) -> None:
        assert self.lead is not None
        self.wait(15, 50)
        who = self.cast.chair if self.rng.random() < 0.4 else self.head(self.lead)
        self.milestones.append({"motion_id": self.id, "happened_on": self.today,
                                "progress": progress, "note": note, "evidence_name": None,
                                "evidence_type": None, "evidence": None, "account_id": who[0],
                                "at": utc(self.now)})
        self.step("record_progress", "implementing", who, f"{progress}% · {note}")
        self.row["progress"] = progress

    def finish(self, action: str, to: str, note: str | None = None) -> None:
        self.wait(10, 40)
        self.step(action, to, self.cast.chair, note)

    # -- the whole story ------------------------------------------------------------------
    def live(self, plan: Plan, *, lead: MotionLife | None = None) -> None:
        """Run the steps from the draft to `plan`'s state; `lead` is the motion a merged one
        folds into."""
        rng, end, twists = self.rng, plan.end, plan.twists
        self.draft()
        if end == "draft" and "revised" not in twists:
            return
        if end == "cosigning" or (end == "withdrawn" and "early" in twists):
            self.collect(enough=False)
            if end == "withdrawn":
                self.withdraw()
            return
        self.collect(enough=True)
        self.submit()
        if end == "draft":  # revised
            note = rng.choice(REVISION_NOTES)
            self.review("return_for_revision", "draft", note)
            self.row["revision_note"] = note
            return
        if end == "submitted":
            return
        if end == "withdrawn":
            self.withdraw()
        elif end == "rejected":
            note = rng.choice(REJECT_REASONS)
            self.review("reject", "rejected", note)
            self.row["decision_note"] = note
        elif end == "merged":
            assert lead is not None
            self.review("merge", "merged")
            self.row["merged_into_id"] = lead.id
            self.merged_into = lead
        elif end == "suggestion":
            self.review("to_suggestion", "suggestion", rng.choice(SUGGESTION_NOTES))
        else:
            self.handle(plan)
        if plan.state == "closed":
            self.finish("close", "closed", rng.choice(CLOSE_NOTES))

    def handle(self, plan: Plan) -> None:
        """From registration on."""
        rng, end, twists = self.rng, plan.end, plan.twists
        self.register()
        if end == "registered":
            return
        right = self.topic.lead
        first = right
        if twists & {"return_requested", "reassigned"}:  # sent to the wrong department first
            first = next(d for d in ("教务处", "总务处") if d != right)
        reopened = "reopened" in twists
        far = None  # an open motion's deadline that the demo's today has not passed
        if end in ("assigned", "handling") and "overdue" not in twists:
            far = MOTIONS_LAST_DAY + dt.timedelta(days=rng.randint(21, 60))
        deadline = None if reopened else far
        self.assign(first, deadline=deadline)
        if twists & {"return_requested", "reassigned"}:
            self.request_return(right)
            if "return_requested" in twists:
                return
            self.assign(right, deadline=deadline)
        if end == "assigned":
            return
        self.accept()
        if end == "handling" and "reopened" not in twists:
            return
        extent = "limited" if end == "deferred" else rng.choices(
            ("solved", "planned", "limited"), (0.5, 0.4, 0.1))[0]
        self.reply(extent, late="late" in twists or rng.random() < 0.08)
        if "sent_back" in twists:
            self.send_back()
            self.reply(extent)
        if end == "replied":
            return
        self.accept_reply()
        if end == "awaiting_rating":
            return
        if twists & {"reopened", "unsatisfied"}:
            self.rate("unsatisfied")
            if "unsatisfied" in twists:
                return
            self.reopen(deadline=far)
            if end == "handling":
                return
            self.reply("solved" if extent == "limited" else extent)
            self.accept_reply()
        self.rate(rng.choices(("satisfied", "basically"), (0.65, 0.35))[0])
        if end == "rated":
            return
        self.implement()
        steps = {"implementing": rng.randint(1, 2), "deferred": 1}.get(end, rng.randint(2, 3))
        progress = sorted(rng.sample(range(10, 60 if end == "deferred" else 100, 10), steps))
        if end == "done":
            progress[-1] = 100
        for n, value in enumerate(progress):
            self.record_progress(value, self.topic.milestones[min(n, 2) if value < 100 else 2])
        if end == "implementing":
            return
        if end == "done":
            self.finish("mark_done", "done", rng.choice(DONE_NOTES))
            self.row.update(done_on=self.today, progress=100)
        else:
            note = rng.choice(DEFER_REASONS)
            self.finish("defer", "deferred", note)
            self.row["decision_note"] = note


def number_motions(lives: Sequence[MotionLife], *, year: int, code: str) -> int:
    """立案 numbers in the order of registration (one meeting a year: the year's numbers),
    and the merge notes that name the lead's number; returns the meeting's next number."""
    registered = sorted((life for life in lives if life.registered_at is not None),
                        key=lambda life: (life.registered_at, life.id))
    for n, life in enumerate(registered, start=1):
        life.row["number"] = f"{year}{code}TA{n:03d}"
    for life in lives:
        if life.merged_into is not None:
            merge = next(e for e in life.events if e["action"] == "merge")
            merge["note"] = life.merged_into.row["number"]
    return len(registered) + 1


def pick_plan(rng: random.Random, mix: Sequence[tuple[str, int]]) -> Plan:
    return Plan.parse(rng.choices([p for p, _ in mix], [w for _, w in mix])[0])


CosignerPool = Callable[[tuple[int, Person], Plan], list[tuple[int, Person]]]
Planned = tuple[Plan, tuple[int, Person], Topic]  # the story, the proposer, the topic


def meeting_lives(rng: random.Random, meeting: MeetingFacts, cast: Cast,
                  plans: Sequence[Planned], *, first_id: int, limit: dt.datetime,
                  pool: CosignerPool) -> list[MotionLife]:
    """Every planned motion of one meeting lived, with ids from `first_id`. Lead motions go
    first, so a merged one folds into a registered motion of its meeting that asks the same
    (a near-duplicate); with none registered, the committee rejects it instead."""
    lives: list[MotionLife] = []
    for plan, proposer, topic in sorted(plans, key=lambda p: p[0].end == "merged"):
        lead = None
        if plan.end == "merged":
            leads = [life for life in lives if life.registered_at is not None]
            if leads:
                lead = rng.choice(leads)
                topic = lead.topic
            else:
                plan = Plan("rejected")
        start = start_of(rng, plan, meeting.year, meeting.current)
        if lead is not None:  # written after the lead was registered, so it can fold in
            assert lead.registered_at is not None
            start = lead.registered_at + dt.timedelta(days=rng.randint(0, 3), hours=1)
        life = MotionLife(rng, motion_id=first_id + len(lives), meeting=meeting, cast=cast,
                          proposer=proposer, cosigner_pool=pool(proposer, plan), topic=topic,
                          start=start, limit=limit)
        life.live(plan, lead=lead)
        lives.append(life)
    return lives


def child_rows(lives: Sequence[MotionLife]) -> Iterator[tuple[Table, list[dict[str, object]]]]:
    """The rows of the motions' other tables, table by table, parents before children."""
    for model, attribute in ((MotionCosigner, "cosigners"), (MotionEvent, "events"),
                             (MotionAssignment, "assignments"), (MotionReply, "replies"),
                             (MotionRating, "ratings"), (MotionMilestone, "milestones")):
        rows = [row for life in lives for row in getattr(life, attribute)]
        if rows:
            yield model.__table__, rows


# The mix of stories of a school's meeting: past (all far along) and current (everything).
PAST_MIX: tuple[tuple[str, int], ...] = (
    ("closed/done", 30), ("done", 18), ("closed/done+reopened", 3), ("done+late", 5),
    ("done+sent_back", 3), ("closed/deferred", 4), ("deferred", 4), ("closed/rejected", 5),
    ("rejected", 3), ("merged", 5), ("suggestion", 6), ("closed/withdrawn", 3),
    ("closed/merged", 2))
CURRENT_MIX: tuple[tuple[str, int], ...] = (
    ("draft", 3), ("cosigning", 4), ("submitted", 6), ("registered", 4), ("suggestion", 3),
    ("merged", 3), ("rejected", 3), ("withdrawn+early", 2), ("withdrawn", 1), ("assigned", 6),
    ("assigned+overdue", 3), ("assigned+return_requested", 1), ("handling", 8),
    ("handling+overdue", 4), ("handling+reopened", 1), ("replied", 5), ("replied+late", 2),
    ("awaiting_rating", 5), ("rated", 5), ("rated+unsatisfied", 1), ("implementing", 12),
    ("done", 7), ("deferred", 2), ("closed/done", 3), ("closed/rejected", 1))


# --- the demo -------------------------------------------------------------------------------

# MH01's motions, written out so each role has something to do: (plan, proposer, topic).
# Proposers: 0 `delegate`, 1 `delegate2`, 2 `delegate3`, 3… other delegates of the term.
FIRST_SCHOOL_PLANS: dict[int, tuple[tuple[str, int, str], ...]] = {
    2025: (
        ("closed/done", 0, "canteen"), ("closed/done", 3, "title_review"),
        ("closed/done+reopened", 1, "after_school_pay"), ("closed/done+sent_back", 4, "library"),
        ("closed/deferred", 5, "rest_room"), ("closed/rejected", 6, "dorm"),
        ("closed/withdrawn", 2, "activities"), ("done", 7, "safety"),
        ("done+late", 8, "health_check"), ("done+reopened", 0, "workload"),
        ("done", 9, "evening_duty"), ("deferred", 3, "equipment"), ("rejected", 4, "kids_care"),
        ("merged", 1, "title_review"), ("suggestion", 5, "open_affairs"),
        ("suggestion", 2, "retired"),
    ),
    2026: (
        ("draft", 1, "meetings"), ("draft+revised", 0, "work_chat"), ("draft", 6, "dorm"),
        ("cosigning", 0, "canteen"), ("cosigning", 3, "parking"), ("cosigning", 7, "library"),
        ("submitted", 0, "school_gate"), ("submitted", 4, "rest_room"),
        ("submitted", 8, "canteen"),
        ("registered", 9, "health_check"), ("registered", 2, "activities"),
        ("suggestion", 5, "open_affairs"), ("merged", 6, "workload"),
        ("rejected", 3, "kids_care"),
        ("withdrawn+early", 1, "retired"), ("withdrawn", 7, "meetings"),
        ("assigned", 2, "training"), ("assigned+overdue", 4, "parking"),
        ("assigned+return_requested", 5, "safety"), ("assigned+reassigned", 8, "office_ac"),
        ("handling", 1, "research_time"), ("handling+overdue", 9, "evening_duty"),
        ("handling+reopened", 3, "class_teacher"),
        ("replied", 0, "library"), ("replied+late", 6, "performance_pay"),
        ("awaiting_rating", 0, "after_school_pay"), ("awaiting_rating+sent_back", 2,
                                                     "equipment"),
        ("rated", 1, "workload"), ("rated+unsatisfied", 4, "title_review"),
        ("implementing", 7, "training"), ("implementing", 5, "canteen"),
        ("done", 8, "health_check"), ("deferred", 9, "dorm"), ("closed/done", 3, "safety"),
    ),
}


@dataclass
class SchoolCongress:
    """What one school brings to the motions: its code, term, delegates and who acts."""

    school_id: int
    code: str
    term_id: int
    delegates: list[tuple[int, Person]]      # staff id, person; the demo accounts first
    cast: Cast
    lives: list[MotionLife] = field(default_factory=list)


def load_motions(session: Session, school_ids: list[int], *, accounts: dict[str, int],
                 dept_ids: dict[int, list[int]],
                 staff_by_school: dict[int, list[tuple[int, str]]]) -> None:
    """Both meetings of every school's 6th term with their motions and the 2025 votes.
    `dept_ids` lists each school's departments in DEFAULT_DEPARTMENTS order. The first
    school's chair and 教务处 head are the `chair` and `dept` accounts; the other schools'
    officers and departments have no accounts and act under their own names."""
    rng = random.Random(SEED + 8)
    codes = dict(session.execute(select(School.id, School.code)).all())
    terms = dict(session.execute(select(CongressTerm.school_id, CongressTerm.id)
                                 .where(CongressTerm.number == TERM_NUMBER)).all())
    members: dict[int, list[int]] = {}
    for term_id, staff_id in session.execute(select(DelegateMembership.term_id,
                                                    DelegateMembership.staff_id)
                                             .order_by(DelegateMembership.id)):
        members.setdefault(term_id, []).append(staff_id)
    by_staff: dict[int, Person] = {}
    by_id: dict[int, Person] = {}
    for account_id, staff_id, display in session.execute(
            select(Account.id, Account.staff_id, Account.display_name)):
        by_id[account_id] = (account_id, display)
        if staff_id is not None:
            by_staff[staff_id] = (account_id, display)
    first = school_ids[0]
    schools: list[SchoolCongress] = []
    for school_id in school_ids:
        names = dict(staff_by_school[school_id])
        delegates = [(sid, by_staff.get(sid, (None, names[sid])))
                     for sid in members[terms[school_id]]]
        departments = dict(zip(DEFAULT_DEPARTMENTS, dept_ids[school_id], strict=True))
        if school_id == first:
            chair, heads = by_id[accounts["chair"]], {"教务处": by_id[accounts["dept"]]}
        else:  # the first staff member after the delegates chairs the union
            chair, heads = (None, staff_by_school[school_id][len(delegates)][1]), {}
        cast = Cast(chair, {name: (did, heads.get(name, (None, name)))
                            for name, did in departments.items()})
        schools.append(SchoolCongress(school_id, codes[school_id], terms[school_id],
                                      delegates, cast))
    assert [p[0] for _, p in schools[0].delegates[:3]] == [
        accounts["delegate"], accounts["delegate2"], accounts["delegate3"]]

    meetings: dict[tuple[int, int], tuple[int, dt.date]] = {}
    for school in schools:
        for number, year, held_on, accepting in MEETINGS:
            day = held_on + dt.timedelta(days=rng.randint(-10, 10))
            meeting = CongressMeeting(
                school_id=school.school_id, term_id=school.term_id, number=number, year=year,
                held_on=day, min_cosigners=2, quorum_num=2, quorum_den=3, pass_num=1,
                pass_den=2, reply_days=REPLY_DAYS, accepting=accepting, next_number=1)
            session.add(meeting)
            session.flush()
            meetings[school.school_id, year] = (meeting.id, day)

    next_id = first_free_id(session, Motion)
    limit = dt.datetime.combine(MOTIONS_LAST_DAY, dt.time(17, 30))
    next_numbers: dict[int, int] = {}
    for school in schools:
        at_first = school.school_id == first
        for _number, year, _held_on, accepting in MEETINGS:
            meeting = MeetingFacts(meetings[school.school_id, year][0], school.school_id,
                                   year, current=accepting)
            if at_first:
                plans = [(Plan.parse(p), school.delegates[who], TOPICS_BY_KEY[topic])
                         for p, who, topic in FIRST_SCHOOL_PLANS[year]]
            else:
                n = rng.randint(6, 9) if accepting else rng.randint(4, 6)
                plans = [(pick_plan(rng, CURRENT_MIX if accepting else PAST_MIX),
                          rng.choice(school.delegates), rng.choice(TOPICS)) for _ in range(n)]
            lives = meeting_lives(rng, meeting, school.cast, plans, first_id=next_id,
                                  limit=limit, pool=lambda proposer, plan, school=school,
                                  at_first=at_first: _cosigner_pool(rng, school, proposer, plan,
                                                                    first=at_first))
            next_id += len(lives)
            next_numbers[meeting.id] = number_motions(lives, year=year, code=school.code)
            school.lives += lives

    # The committee's evidence for one of MH01's finished motions: a scanned acceptance form.
    done = next(life for life in schools[0].lives if life.state == "done" and life.milestones)
    done.milestones[-1].update(evidence_name="落实情况验收单.pdf",
                               evidence_type="application/pdf", evidence=EVIDENCE_PDF)

    lives = [life for school in schools for life in school.lives]
    # Core inserts, the motions a merged one points at first.
    session.execute(insert(Motion.__table__),
                    [life.row for life in lives if life.row["merged_into_id"] is None])
    session.execute(insert(Motion.__table__),
                    [life.row for life in lives if life.row["merged_into_id"] is not None])
    for table, rows in child_rows(lives):
        session.execute(insert(table), rows)
    sync_id_sequences(session, Motion)
    for meeting_id, next_number in next_numbers.items():
        session.execute(update(CongressMeeting).where(CongressMeeting.id == meeting_id)
                        .values(next_number=next_number))
    session.execute(insert(CongressVote.__table__),
                    _votes(rng, schools, meetings, chair_account=accounts["chair"]))


def _cosigner_pool(rng: random.Random, school: SchoolCongress, proposer: tuple[int, Person],
                   plan: Plan, *, first: bool) -> list[tuple[int, Person]]:
    """The delegates a proposer asks, in order; at MH01, motions still collecting co-signers
    ask `delegate2` and `delegate3` first, so both have requests to answer."""
    others = [d for d in school.delegates if d[0] != proposer[0]]
    rng.shuffle(others)
    if first and plan.end == "cosigning":
        demo = [d for d in school.delegates[1:3] if d[0] != proposer[0]]
        others = demo + [d for d in others if d not in demo]
    return others


def _votes(rng: random.Random, schools: list[SchoolCongress],
           meetings: dict[tuple[int, int], tuple[int, dt.date]], *, chair_account: int
           ) -> list[dict[str, object]]:
    """The 2025 meeting's resolutions (应到 = the term's delegates). MH01's: three pass; one
    fails with exactly half of 应到 for it, a pass needing more than half; one, on the second
    day, has no quorum (实到 under two thirds of 应到). The other schools': one that passes."""
    rows = []
    for school in schools:
        meeting_id, held_on = meetings[school.school_id, 2025]
        e = len(school.delegates)
        if school is schools[0]:
            short = -(-2 * e // 3) - 1  # one short of two thirds
            votes = [(0, e, e - 1, 0, 1), (0, e - 1, e - 2, 1, 0), (0, e - 1, e // 2,
                     e - 2 - e // 2, 1), (0, e - 1, e - 3, 1, 1), (1, short, short, 0, 0)]
            account: int | None = chair_account
        else:
            present = e - rng.randint(0, 2)
            yes = present - rng.randint(0, 1)
            votes, account = [(0, present, yes, present - yes, 0)], None
        for subject, (day, present, yes, no, abstain) in zip(VOTE_SUBJECTS, votes,
                                                             strict=False):
            voted_on = held_on + dt.timedelta(days=day)
            rows.append({"meeting_id": meeting_id, "subject": subject, "voted_on": voted_on,
                         "entitled": e, "present": present, "yes": yes, "no": no,
                         "abstain": abstain, "account_id": account,
                         "at": utc(dt.datetime.combine(voted_on, dt.time(11, 20)))})
    return rows
